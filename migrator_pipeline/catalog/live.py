"""Read a live SQL Server database into a Catalog, and stream its table rows.

The extractor is READ-ONLY: it issues nothing but SELECT statements, all of them module-level
constants below except the per-table data SELECT (built by `table_select`). It never
creates, alters, executes or writes anything on the server; the connection is opened with
autocommit (no transaction held open) and `ApplicationIntent=ReadOnly`.

How the catalog is read:
- objects from `sys.objects`: U table, V view, P procedure, FN/IF/TF function, TR trigger;
  other user objects (CLR modules, queues, ...) become a warning Finding, never dropped silently;
- bodies are `sys.sql_modules.definition`, the module text as stored, with CRLF made LF the way
  the script reader decodes scripts; dependencies come from the bodies through the same
  functions the script reader uses (`statement_dependencies`), then `sys.sql_expression_dependencies`
  adds the tables and views a body parse missed (conditions of IF/WHILE, unparsed statements);
- types are spelled as the script reader spells them: lower case, `nvarchar(50)` (sys.columns
  counts nvarchar/nchar lengths in bytes), `varchar(max)`, `decimal(10,2)`, `datetime2(3)`,
  and `datetime2` for the default scale 7; columns of alias types get their base type;
- schemas, user types, sequences, synonyms and indexes are recorded (`RECORDED_KINDS`) with a
  CREATE statement rebuilt from the catalog views, since a server keeps no text for them.

Where the server is and how to connect (the password included, which is left out of every
message, `repr` and the catalog's `source`) is `catalog.live_source`.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.catalog.dependencies import dependency_findings
from migrator_pipeline.catalog.live_source import LiveSource, connect
from migrator_pipeline.catalog.model import Catalog, CheckConstraint, Column, Finding, ForeignKey, SourceError, SourceObject, object_key
from migrator_pipeline.tsql.identifiers import bracketed
from migrator_pipeline.tsql.lexer import LineIndex, tokenize
from migrator_pipeline.tsql.modules import body_statements
from migrator_pipeline.tsql.references import statement_dependencies
from migrator_pipeline.tsql.tokens import multipart_name, schema_and_name, strip_parens, token_text

# ---------------------------------------------------------------- catalog queries (SELECT only)

COLLATION_QUERY = "SELECT collation_name FROM sys.databases WHERE name = DB_NAME()"

OBJECTS_QUERY = """\
SELECT o.object_id, s.name AS schema_name, o.name, o.type, o.type_desc, o.parent_object_id
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.is_ms_shipped = 0
  AND (o.parent_object_id = 0 OR o.type = 'TR')
  AND o.type NOT IN ('IT', 'S')
  AND NOT EXISTS (
    SELECT 1 FROM sys.extended_properties AS ep
    WHERE ep.class = 1 AND ep.major_id = o.object_id AND ep.minor_id = 0
      AND ep.name = N'microsoft_database_tools_support')
ORDER BY s.name, o.name"""

MODULES_QUERY = """\
SELECT m.object_id, m.definition
FROM sys.sql_modules AS m
JOIN sys.objects AS o ON o.object_id = m.object_id
WHERE o.is_ms_shipped = 0"""

# `system_type_name` is the base type of an alias type; CLR types (hierarchyid, geography) have none
COLUMNS_QUERY = """\
SELECT c.object_id, c.column_id, c.name, t.name AS type_name, t.is_user_defined,
       bt.name AS system_type_name, c.max_length, c.precision, c.scale, c.is_nullable
FROM sys.columns AS c
JOIN sys.objects AS o ON o.object_id = c.object_id
JOIN sys.types AS t ON t.user_type_id = c.user_type_id
LEFT JOIN sys.types AS bt ON bt.user_type_id = c.system_type_id
WHERE o.is_ms_shipped = 0 AND o.type = 'U'
ORDER BY c.object_id, c.column_id"""

IDENTITY_QUERY = "SELECT ic.object_id, ic.column_id FROM sys.identity_columns AS ic"

COMPUTED_QUERY = "SELECT cc.object_id, cc.column_id, cc.definition FROM sys.computed_columns AS cc"

DEFAULTS_QUERY = """\
SELECT dc.parent_object_id, dc.parent_column_id, dc.definition
FROM sys.default_constraints AS dc"""

KEYS_QUERY = """\
SELECT kc.parent_object_id, kc.object_id, kc.type, ic.key_ordinal, c.name AS column_name
FROM sys.key_constraints AS kc
JOIN sys.index_columns AS ic ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE ic.key_ordinal > 0
ORDER BY kc.parent_object_id, kc.object_id, ic.key_ordinal"""

FOREIGN_KEYS_QUERY = """\
SELECT fk.parent_object_id, fk.object_id, fk.name, fk.is_system_named,
       pc.name AS column_name, rs.name AS ref_schema, ro.name AS ref_table, rc.name AS ref_column
FROM sys.foreign_keys AS fk
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.objects AS ro ON ro.object_id = fkc.referenced_object_id
JOIN sys.schemas AS rs ON rs.schema_id = ro.schema_id
JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
ORDER BY fk.parent_object_id, fk.object_id, fkc.constraint_column_id"""

CHECKS_QUERY = """\
SELECT cc.parent_object_id, cc.parent_column_id, cc.name, cc.is_system_named, cc.definition, cc.is_disabled, cc.is_not_trusted
FROM sys.check_constraints AS cc
ORDER BY cc.parent_object_id, cc.object_id"""

# `value` is a sql_variant, which pyodbc cannot fetch: cast it
DESCRIPTIONS_QUERY = """\
SELECT ep.major_id, ep.minor_id, CAST(ep.value AS nvarchar(4000)) AS description
FROM sys.extended_properties AS ep
WHERE ep.class = 1 AND ep.name = N'MS_Description'"""

PARAMETERS_QUERY = """\
SELECT p.object_id, p.parameter_id, p.name, t.name AS type_name, t.is_user_defined,
       bt.name AS system_type_name, p.max_length, p.precision, p.scale
FROM sys.parameters AS p
JOIN sys.types AS t ON t.user_type_id = p.user_type_id
LEFT JOIN sys.types AS bt ON bt.user_type_id = p.system_type_id
WHERE p.parameter_id > 0
ORDER BY p.object_id, p.parameter_id"""

EXPRESSION_DEPENDENCIES_QUERY = """\
SELECT d.referencing_id, d.referenced_id, d.referenced_server_name, d.referenced_database_name,
       d.referenced_schema_name, d.referenced_entity_name
FROM sys.sql_expression_dependencies AS d
WHERE d.referencing_minor_id = 0 AND d.referenced_class = 1"""

SCHEMAS_QUERY = """\
SELECT s.schema_id, s.name FROM sys.schemas AS s
WHERE s.schema_id BETWEEN 5 AND 16383
ORDER BY s.name"""

INDEXES_QUERY = """\
SELECT i.object_id, i.index_id, i.name, i.type_desc, i.is_unique, i.filter_definition,
       ic.is_descending_key, ic.is_included_column, c.name AS column_name
FROM sys.indexes AS i
JOIN sys.objects AS o ON o.object_id = i.object_id
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE o.is_ms_shipped = 0 AND o.type IN ('U', 'V') AND i.type > 0
  AND i.is_primary_key = 0 AND i.is_unique_constraint = 0 AND i.is_hypothetical = 0
ORDER BY i.object_id, i.index_id, ic.is_included_column, ic.key_ordinal, ic.index_column_id"""

# start_value and increment are sql_variant: cast them
SEQUENCES_QUERY = """\
SELECT s.name AS schema_name, sq.name, t.name AS type_name,
       CAST(sq.start_value AS nvarchar(40)) AS start_value, CAST(sq.increment AS nvarchar(40)) AS increment
FROM sys.sequences AS sq
JOIN sys.schemas AS s ON s.schema_id = sq.schema_id
JOIN sys.types AS t ON t.user_type_id = sq.user_type_id
ORDER BY s.name, sq.name"""

SYNONYMS_QUERY = """\
SELECT s.name AS schema_name, sn.name, sn.base_object_name
FROM sys.synonyms AS sn
JOIN sys.schemas AS s ON s.schema_id = sn.schema_id
ORDER BY s.name, sn.name"""

TYPES_QUERY = """\
SELECT s.name AS schema_name, t.name, bt.name AS system_type_name, t.max_length, t.precision,
       t.scale, t.is_nullable, t.is_table_type
FROM sys.types AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
LEFT JOIN sys.types AS bt ON bt.user_type_id = t.system_type_id
WHERE t.is_user_defined = 1
ORDER BY s.name, t.name"""

# in the order the reader runs them
CATALOG_QUERIES = (
    COLLATION_QUERY, OBJECTS_QUERY, MODULES_QUERY, COLUMNS_QUERY, IDENTITY_QUERY, COMPUTED_QUERY,
    DEFAULTS_QUERY, KEYS_QUERY, FOREIGN_KEYS_QUERY, CHECKS_QUERY, DESCRIPTIONS_QUERY, PARAMETERS_QUERY,
    EXPRESSION_DEPENDENCIES_QUERY, SCHEMAS_QUERY, TYPES_QUERY, SEQUENCES_QUERY, SYNONYMS_QUERY,
    INDEXES_QUERY,
)

_KINDS = {"U": "table", "V": "view", "P": "procedure", "FN": "function", "IF": "function", "TF": "function", "TR": "trigger"}
_FUNCTION_KINDS = {"FN": "scalar", "IF": "table", "TF": "table"}
# read through their own catalog views: sequences, synonyms, table types
_READ_ELSEWHERE = frozenset({"SO", "SN", "TT"})


# ---------------------------------------------------------------- reading the catalog


def read_live_catalog(source: LiveSource, *, connection=None) -> Catalog:
    """The catalog of a live database. Opens (and closes) a connection unless one is given."""
    owned = connection is None
    connection = connection or connect(source)
    try:
        return _LiveReader(source, connection).read()
    finally:
        if owned:
            connection.close()


Row = dict[str, Any]


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _strip_parens(text: str) -> str:
    """`((0))` -> `0`: SQL Server stores defaults and computed columns wrapped in parentheses."""
    tokens = strip_parens(tokenize(text))
    return token_text(text, tokens) if tokens else text.strip()


def type_spelling(row: Row) -> str:
    """A column's or parameter's type as the script reader spells it, from sys.columns/sys.types."""
    name = (row["type_name"] if not row["is_user_defined"] else row["system_type_name"] or row["type_name"]).lower()
    length = row["max_length"]
    if name in ("nvarchar", "nchar"):
        return f"{name}({'max' if length == -1 else length // 2})"
    if name in ("varchar", "char", "varbinary", "binary"):
        return f"{name}({'max' if length == -1 else length})"
    if name in ("decimal", "numeric"):
        return f"{name}({row['precision']},{row['scale']})"
    if name in ("datetime2", "datetimeoffset", "time"):
        return name if row["scale"] == 7 else f"{name}({row['scale']})"
    return name


class _LiveReader:
    def __init__(self, source: LiveSource, connection) -> None:
        self.source = source
        self.connection = connection
        self.catalog = Catalog(source=source.display)
        self.by_id: dict[int, SourceObject] = {}
        self.columns: dict[tuple[int, int], Column] = {}

    def finding(self, severity: str, message: str, obj: str | None = None) -> None:
        self.catalog.findings.append(Finding(severity, message, object=obj))

    def fetch(self, query: str) -> list[Row]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(query)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def rows(self, query: str, what: str) -> list[Row]:
        """The rows of one catalog query as dicts; a failed query is a finding, and no rows."""
        try:
            return self.fetch(query)
        except Exception as error:  # DB-API errors are driver-specific classes: report any, go on
            self.finding("error", f"cannot read {what}: {_first_line(error)}")
            return []

    def read(self) -> Catalog:
        for warning in self.source.warnings:
            self.finding("warning", warning)
        collation = self.rows(COLLATION_QUERY, "the database collation")
        if collation and collation[0]["collation_name"]:
            self.catalog.collation = collation[0]["collation_name"]
        try:
            objects = self.fetch(OBJECTS_QUERY)
        except Exception as error:  # without sys.objects there is no catalog at all
            raise SourceError(f"cannot read sys.objects of {self.source.display}: {_first_line(error)}") from None
        self.read_objects(objects)
        self.read_bodies()
        self.read_columns()
        self.read_keys()
        self.read_descriptions()
        self.read_parameters()
        self.read_dependencies()
        self.catalog.objects = list(self.by_id.values())
        self.read_recorded()
        # missing references and cycles, reported as the script reader reports them
        self.catalog.findings.extend(dependency_findings(self.catalog))
        return self.catalog

    # ------------------------------------------------------------ objects and bodies

    def read_objects(self, rows: list[Row]) -> None:
        for row in rows:
            code = row["type"].strip()
            source = f"{row['schema_name']}.{row['name']}"
            if code in _KINDS:
                obj = SourceObject(row["schema_name"], row["name"], _KINDS[code], function_kind=_FUNCTION_KINDS.get(code))
                self.by_id[row["object_id"]] = obj
            elif code not in _READ_ELSEWHERE:
                self.finding("warning", f"{source} is a {row['type_desc']}, which is not read", source)

    def read_bodies(self) -> None:
        for row in self.rows(MODULES_QUERY, "sys.sql_modules"):
            obj = self.by_id.get(row["object_id"])
            if obj is None:
                continue
            if row["definition"] is None:
                self.finding("warning", f"{obj.source} is encrypted: its body cannot be read", obj.source)
                continue
            obj.body = row["definition"].replace("\r\n", "\n").strip()

    # ------------------------------------------------------------ tables

    def read_columns(self) -> None:
        for row in self.rows(COLUMNS_QUERY, "sys.columns"):
            table = self.by_id.get(row["object_id"])
            if table is None or table.kind != "table":
                continue
            column = Column(row["name"], type_spelling(row), bool(row["is_nullable"]))
            table.columns.append(column)
            self.columns[(row["object_id"], row["column_id"])] = column
        for row in self.rows(IDENTITY_QUERY, "sys.identity_columns"):
            if (column := self.columns.get((row["object_id"], row["column_id"]))) is not None:
                column.identity = True
        for row in self.rows(COMPUTED_QUERY, "sys.computed_columns"):
            if (column := self.columns.get((row["object_id"], row["column_id"]))) is not None:
                column.computed = _strip_parens(row["definition"])
        for row in self.rows(DEFAULTS_QUERY, "sys.default_constraints"):
            if (column := self.columns.get((row["parent_object_id"], row["parent_column_id"]))) is not None:
                column.default = _strip_parens(row["definition"])

    def read_keys(self) -> None:
        unique: dict[int, list[str]] = {}
        for row in self.rows(KEYS_QUERY, "sys.key_constraints"):
            table = self.by_id.get(row["parent_object_id"])
            if table is None:
                continue
            if row["type"].strip() == "PK":
                table.primary_key.append(row["column_name"])
            elif row["object_id"] not in unique:
                unique[row["object_id"]] = [row["column_name"]]
                table.unique_keys.append(unique[row["object_id"]])
            else:
                unique[row["object_id"]].append(row["column_name"])
        foreign: dict[int, ForeignKey] = {}
        for row in self.rows(FOREIGN_KEYS_QUERY, "sys.foreign_keys"):
            table = self.by_id.get(row["parent_object_id"])
            if table is None:
                continue
            key = foreign.get(row["object_id"])
            if key is None:
                # a system-made name (FK__Orders__Custo__3B75D760) was not written: like the script reader, None
                name = None if row["is_system_named"] else row["name"]
                key = foreign[row["object_id"]] = ForeignKey([], row["ref_schema"], row["ref_table"], [], name)
                table.foreign_keys.append(key)
            key.columns.append(row["column_name"])
            key.ref_columns.append(row["ref_column"])
        self.read_checks()
        for table in self.by_id.values():
            if table.kind == "table":
                table.body = _table_body(table)

    def read_checks(self) -> None:
        """CHECK constraints; a disabled or untrusted one (WITH NOCHECK) is a finding, never a test."""
        for row in self.rows(CHECKS_QUERY, "sys.check_constraints"):
            table = self.by_id.get(row["parent_object_id"])
            if table is None or row["definition"] is None:
                continue
            expression = _strip_parens(row["definition"])
            if row["is_disabled"] or row["is_not_trusted"]:
                why = "disabled" if row["is_disabled"] else "not trusted (added WITH NOCHECK)"
                self.finding("info", f"{table.source}: CHECK {row['name']} ({expression}) is {why}: not tested", table.source)
                continue
            column = self.columns.get((row["parent_object_id"], row["parent_column_id"]))  # none: table-level
            table.checks.append(CheckConstraint(expression, None if row["is_system_named"] else row["name"],
                                                column.name if column else None))

    def read_descriptions(self) -> None:
        for row in self.rows(DESCRIPTIONS_QUERY, "sys.extended_properties"):
            if row["minor_id"] == 0 and (obj := self.by_id.get(row["major_id"])) is not None:
                obj.description = row["description"]
            elif (column := self.columns.get((row["major_id"], row["minor_id"]))) is not None:
                column.description = row["description"]

    # ------------------------------------------------------------ modules

    def read_parameters(self) -> None:
        for row in self.rows(PARAMETERS_QUERY, "sys.parameters"):
            obj = self.by_id.get(row["object_id"])
            if obj is not None and obj.kind in ("procedure", "function"):
                obj.parameters.append([row["name"], type_spelling(row)])

    def read_dependencies(self) -> None:
        for obj in self.by_id.values():
            if obj.kind != "table" and obj.body:
                obj.reads, obj.writes, obj.calls = self.body_dependencies(obj)
        for row in self.rows(EXPRESSION_DEPENDENCIES_QUERY, "sys.sql_expression_dependencies"):
            obj = self.by_id.get(row["referencing_id"])
            if obj is None or obj.kind == "table":
                continue
            if row["referenced_server_name"] or row["referenced_database_name"]:
                parts = [row[f"referenced_{part}_name"] or "" for part in ("server", "database", "schema", "entity")]
                self.check_database(obj, parts if parts[0] else parts[1:])
                continue
            target = self.by_id.get(row["referenced_id"]) if row["referenced_id"] is not None else None
            # only tables and views are reads; a missed write or call cannot be told from a read here
            if target is None or target.kind not in ("table", "view"):
                continue
            if target.key not in obj.reads + obj.writes + obj.calls:
                obj.reads.append(target.key)

    def body_dependencies(self, obj: SourceObject) -> tuple[list[str], list[str], list[str]]:
        """(reads, writes, calls) of a module body, as the script reader computes them."""
        header = obj.header
        if header is None or header.body_start is None:
            self.finding("warning", f"{obj.source}: no CREATE ... AS header found in the module text", obj.source)
            return [], [], []
        body = obj.body[header.body_start :]
        if obj.kind == "view":
            try:
                statements = [e for e in sqlglot.parse(body, read="tsql") if e is not None]
            except SqlglotError as error:
                self.finding("warning", f"cannot parse the view {obj.source}: {str(error).splitlines()[0]}", obj.source)
                return [], [], []
        else:
            statements, errors = body_statements(body)
            lines = LineIndex(obj.body)
            for message, offset in errors:
                line = lines.line(header.body_start + offset)
                self.catalog.findings.append(Finding("error", f"{obj.source}: {message}", None, line, obj.source))
        return statement_dependencies(statements)

    # ------------------------------------------------------------ recorded kinds

    def read_recorded(self) -> None:
        recorded = self.catalog.objects
        for row in self.rows(SCHEMAS_QUERY, "sys.schemas"):
            recorded.append(SourceObject(row["name"], row["name"], "schema", f"CREATE SCHEMA {bracketed(row['name'])}"))
        for row in self.rows(TYPES_QUERY, "sys.types"):
            recorded.append(_type_object(row))
        for row in self.rows(SEQUENCES_QUERY, "sys.sequences"):
            body = (f"CREATE SEQUENCE {bracketed(row['schema_name'])}.{bracketed(row['name'])} AS {row['type_name']}"
                    f" START WITH {row['start_value']} INCREMENT BY {row['increment']}")
            recorded.append(SourceObject(row["schema_name"], row["name"], "sequence", body))
        for row in self.rows(SYNONYMS_QUERY, "sys.synonyms"):
            recorded.append(self.synonym(row))
        recorded.extend(self.indexes())

    def synonym(self, row: Row) -> SourceObject:
        base = row["base_object_name"]
        body = f"CREATE SYNONYM {bracketed(row['schema_name'])}.{bracketed(row['name'])} FOR {base}"
        synonym = SourceObject(row["schema_name"], row["name"], "synonym", body)
        target = multipart_name(tokenize(base), 0)[0]
        self.check_database(synonym, target)
        if target and (len(target) < 3 or target[0].lower() == self.source.database.lower()):
            synonym.reads = [object_key(*schema_and_name(target))]  # a synonym reads what it names
        return synonym

    def check_database(self, obj: SourceObject, parts: list[str]) -> None:
        """A name in another database or on a linked server: the object depends on something outside the estate."""
        named = ".".join(parts)
        if len(parts) >= 4:
            self.finding("warning", f"{obj.source} references {named} on a linked server", obj.source)
        elif len(parts) == 3 and parts[0] and parts[0].lower() != self.source.database.lower():
            self.finding("warning", f"{obj.source} references {named} in another database", obj.source)

    def indexes(self) -> list[SourceObject]:
        grouped: dict[tuple[int, int], list[Row]] = {}
        for row in self.rows(INDEXES_QUERY, "sys.indexes"):
            grouped.setdefault((row["object_id"], row["index_id"]), []).append(row)
        found = []
        for (object_id, _), rows in grouped.items():
            table = self.by_id.get(object_id)
            if table is not None:
                found.append(_index_object(table, rows))
        return found


def _table_body(table: SourceObject) -> str:
    """A CREATE TABLE rebuilt from the catalog views: the server keeps no text for tables."""
    lines = []
    for column in table.columns:
        if column.computed is not None:
            lines.append(f"{bracketed(column.name)} AS ({column.computed})")
            continue
        line = f"{bracketed(column.name)} {column.data_type}"
        line += " IDENTITY" if column.identity else ""
        line += " NULL" if column.nullable else " NOT NULL"
        line += f" DEFAULT ({column.default})" if column.default is not None else ""
        line += "".join(f" {c.tsql}" for c in table.checks if c.column == column.name)
        lines.append(line)
    if table.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(map(bracketed, table.primary_key))})")
    lines += [f"UNIQUE ({', '.join(map(bracketed, key))})" for key in table.unique_keys]
    for key in table.foreign_keys:
        named = f"CONSTRAINT {bracketed(key.name)} " if key.name else ""
        lines.append(f"{named}FOREIGN KEY ({', '.join(map(bracketed, key.columns))}) REFERENCES"
                     f" {bracketed(key.ref_schema)}.{bracketed(key.ref_table)} ({', '.join(map(bracketed, key.ref_columns))})")
    lines += [c.tsql for c in table.checks if c.column is None]
    header = f"CREATE TABLE {bracketed(table.schema)}.{bracketed(table.name)} (\n    "
    return header + ",\n    ".join(lines) + "\n)"


def _type_object(row: Row) -> SourceObject:
    name = f"{bracketed(row['schema_name'])}.{bracketed(row['name'])}"
    if row["is_table_type"]:
        body = f"CREATE TYPE {name} AS TABLE"
    else:
        base = type_spelling({**row, "type_name": row["system_type_name"], "is_user_defined": False})
        body = f"CREATE TYPE {name} FROM {base}{'' if row['is_nullable'] else ' NOT NULL'}"
    return SourceObject(row["schema_name"], row["name"], "type", body)


def _index_object(table: SourceObject, rows: list[Row]) -> SourceObject:
    first = rows[0]
    keys = [f"{bracketed(r['column_name'])} {'DESC' if r['is_descending_key'] else 'ASC'}" for r in rows if not r["is_included_column"]]
    included = [bracketed(r["column_name"]) for r in rows if r["is_included_column"]]
    unique = "UNIQUE " if first["is_unique"] else ""
    body = f"CREATE {unique}{first['type_desc']} INDEX {bracketed(first['name'])} ON {bracketed(table.schema)}.{bracketed(table.name)} ({', '.join(keys)})"
    body += f" INCLUDE ({', '.join(included)})" if included else ""
    body += f" WHERE {first['filter_definition']}" if first["filter_definition"] else ""
    # recorded as `<table>.<index>` in the table's schema, as the script reader does: index names are per table
    return SourceObject(table.schema, f"{table.name}.{first['name']}", "index", body)


# ---------------------------------------------------------------- table data

# types pyodbc cannot fetch as they are: read their text form (what the warehouse stores anyway)
def _method(name: str) -> Callable[[exp.Expression], exp.Expression]:
    return lambda column: exp.Dot(this=column, expression=exp.Anonymous(this=name))


_TEXT_FORM: dict[str, Callable[[exp.Expression], exp.Expression]] = {
    "sql_variant": lambda column: exp.cast(column, exp.DataType.build("nvarchar(4000)", dialect="tsql")),
    "hierarchyid": _method("ToString"),
    "geography": _method("STAsText"),
    "geometry": _method("STAsText"),
}


def copy_columns(table: SourceObject) -> list[str]:
    """The columns a table's rows are copied by, in order: all but the computed ones."""
    return [c.name for c in table.columns if c.computed is None]


def table_select(table: SourceObject, sample_rows: int | None = None) -> str:
    """`SELECT [cols] FROM [schema].[table]`, with `TOP n` for a sample: the one data query."""
    selects = []
    for column in table.columns:
        if column.computed is not None:
            continue
        node: exp.Expression = exp.column(column.name, quoted=True)
        text_form = _TEXT_FORM.get(column.data_type.split("(")[0])
        if text_form is not None:
            node = exp.alias_(text_form(node), column.name, quoted=True)
        selects.append(node)
    query = exp.select(*selects).from_(exp.table_(table.name, db=table.schema, quoted=True))
    if sample_rows is not None:
        query = query.limit(sample_rows)
    return query.sql(dialect="tsql")


def copy_text(value: Any) -> str | None:
    """A fetched value as PostgreSQL's COPY text format reads it (None stays None: NULL)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def stream_table_rows(connection, table: SourceObject, *, batch_rows: int = 10_000,
                      sample_rows: int | None = None) -> Iterator[list[list[str | None]]]:
    """A table's rows in batches of at most `batch_rows`, as COPY text, in `copy_columns` order.
    Memory holds one batch; `sample_rows` reads only the first n rows (`TOP n`)."""
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, got {batch_rows}")
    cursor = connection.cursor()
    try:
        cursor.execute(table_select(table, sample_rows))
        while batch := cursor.fetchmany(batch_rows):
            yield [[copy_text(value) for value in row] for row in batch]
    finally:
        cursor.close()


def live_rows(connection, *, batch_rows: int = 10_000,
              sample_rows: int | None = None) -> Callable[[SourceObject], tuple[list[str], Iterator[list[list[str | None]]]]]:
    """For the warehouse loader's `rows_for`: each table's column names and its streamed batches."""
    def rows_for(table: SourceObject) -> tuple[list[str], Iterator[list[list[str | None]]]]:
        return copy_columns(table), stream_table_rows(connection, table, batch_rows=batch_rows, sample_rows=sample_rows)
    return rows_for
