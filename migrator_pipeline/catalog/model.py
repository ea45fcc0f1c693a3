"""The catalog: everything read from a SQL Server source, in one serialisable model.

Names keep SQL Server's spelling; comparisons go through `object_key`, because
identifiers are case-insensitive under SQL Server's default collation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator_pipeline.serialisation import SavedAsJson
from migrator_pipeline.tsql.identifiers import bracketed
from migrator_pipeline.tsql.modules import ModuleHeader, read_module_header

# SQL Server's default collation: case-insensitive, accent-sensitive.
DEFAULT_COLLATION = "SQL_Latin1_General_CP1_CI_AS"

OBJECT_KINDS = ("table", "view", "procedure", "function", "trigger")
# Recorded so that nothing in the source goes unreported, but not migrated as models.
RECORDED_KINDS = ("schema", "type", "sequence", "synonym", "index")


class SourceError(Exception):
    """The source cannot be read at all: missing, or not a .sql file or folder."""


def object_key(schema: str, name: str) -> str:
    """The case-insensitive identity of an object: `schema.name`, lower case."""
    return f"{schema}.{name}".lower()


@dataclass
class Column:
    name: str
    data_type: str  # as written in SQL Server, lower case, e.g. "nvarchar(50)", "decimal(10,2)"
    nullable: bool = True
    identity: bool = False
    default: str | None = None  # T-SQL expression text
    computed: str | None = None  # T-SQL expression text of a computed column
    description: str | None = None  # MS_Description extended property


@dataclass
class ForeignKey:
    columns: list[str]
    ref_schema: str
    ref_table: str
    ref_columns: list[str]
    name: str | None = None


@dataclass
class CheckConstraint:
    """A table's CHECK constraint: SQL Server keeps a row only when `expression` is not false."""

    expression: str  # T-SQL, as written inside CHECK ( ... )
    name: str | None = None
    column: str | None = None  # declared on this column (it still may read others)

    @property
    def tsql(self) -> str:
        """The constraint as a CREATE TABLE declares it: `CONSTRAINT [name] CHECK (expression)`."""
        return f"{f'CONSTRAINT {bracketed(self.name)} ' if self.name else ''}CHECK ({self.expression})"


@dataclass
class Finding:
    """Something a person should know about the source: never dropped silently."""

    severity: str  # "info" | "warning" | "error"
    message: str
    file: str | None = None
    line: int | None = None
    object: str | None = None  # schema.name when the finding concerns one object


@dataclass
class SourceObject:
    schema: str
    name: str
    kind: str  # one of OBJECT_KINDS or RECORDED_KINDS
    body: str = ""  # the whole CREATE statement, as written
    file: str | None = None
    line: int | None = None
    # tables
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    unique_keys: list[list[str]] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    description: str | None = None
    # functions: "scalar" | "table"; parameters as (name with @, data_type)
    function_kind: str | None = None
    parameters: list[list[str]] = field(default_factory=list)
    # dependencies, as object keys (`schema.name`, lower case)
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return object_key(self.schema, self.name)

    @property
    def source(self) -> str:
        """The name as in SQL Server: `schema.name`."""
        return f"{self.schema}.{self.name}"

    @property
    def header(self) -> ModuleHeader | None:
        """The `CREATE ... AS` header of a module, with its parameter defaults, parsed once per
        body. Derived from `body`, so not serialised: a loaded catalog parses it on first use."""
        cached = self.__dict__.get("_header")
        if cached is None or cached[0] is not self.body:
            cached = self.__dict__["_header"] = (self.body, read_module_header(self.body))
        return cached[1]


@dataclass
class TableData:
    """Rows for one table, as text the way PostgreSQL's COPY reads it (None is NULL), stored the
    way SQL Server stores them (`catalog.values`)."""

    table: str  # object key
    columns: list[str]
    rows: list[list[str | None]] = field(default_factory=list)
    origin: str | None = None  # file the rows came from
    # where each row came from: `lines` holds each row's line, `origins` [first row, file] runs
    origins: list[list] = field(default_factory=list, compare=False)
    lines: list[int] = field(default_factory=list, compare=False)
    dropped: int = 0  # rows the source gave that are not stored (each is a finding)
    missing: list[str] = field(default_factory=list)  # data files named for the table but not read

    def where(self, index: int) -> tuple[str | None, int | None]:
        """(file, line) of row `index`, as far as the source said."""
        file = next((f for first, f in reversed(self.origins) if first <= index), self.origin)
        line = self.lines[index] if index < len(self.lines) else None
        return file, line or None

    @property
    def lost(self) -> str | None:
        """Why the table holds none of the rows its source gave, or None when it holds them."""
        if self.rows:
            return None
        if self.missing:
            return f"its data file {', '.join(self.missing)} was not read"
        if self.dropped:
            return f"all {self.dropped} of its rows could not be stored"
        return None


@dataclass
class Catalog(SavedAsJson):
    source: str  # the path or URL read, without secrets
    objects: list[SourceObject] = field(default_factory=list)
    data: list[TableData] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    collation: str = DEFAULT_COLLATION

    def get(self, key: str) -> SourceObject | None:
        key = key.lower()
        return next((obj for obj in self.objects if obj.key == key), None)

    def of_kind(self, kind: str) -> list[SourceObject]:
        return [obj for obj in self.objects if obj.kind == kind]

    def data_for(self, key: str) -> TableData | None:
        key = key.lower()
        return next((d for d in self.data if d.table == key), None)
