"""Table rows as SQL Server stores them: every column converted to its type, DEFAULTs for the
omitted columns, IDENTITY and rowversion values generated, and the rows SQL Server refuses left
out with a finding. An INSERT is one statement, all or nothing; a data file loads row by row
(BULK INSERT up to MAXERRORS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from migrator_pipeline.catalog.model import Column, SourceObject, TableData
from migrator_pipeline.catalog.value_literals import default_value
from migrator_pipeline.catalog.values import DEFAULT, ConversionError, NotLiteral, Value, column_converter, convert, type_parts

# GETDATE() in a default or a VALUES list is when SQL Server ran the script; here, when this
# process first read a source: one instant, so that two reads of one estate give the same rows
READ_TIME = datetime.now().replace(microsecond=0)
# SQL Server's @@DBTS in a new database: the first rowversion it hands out is one more
_FIRST_ROWVERSION = 2001
_STRING_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar", "text", "ntext", "sysname"})
_NO_DEFAULT = object()  # a DEFAULT that cannot be computed while reading (reported once)


class _IdentityCounter:
    """A table's IDENTITY: values in insertion order from its seed by its increment; a value
    given under IDENTITY_INSERT moves it on when it passes the current one, as in SQL Server.
    A statement SQL Server refuses hands out nothing: its values are rolled back."""

    def __init__(self, seed: int, increment: int, data_type: str) -> None:
        self.seed, self.increment, self.data_type = seed, increment, data_type
        self.current: int | None = None  # the last value handed out or given
        self._committed: int | None = None

    def next(self) -> str:
        self.current = self.seed if self.current is None else self.current + self.increment
        return convert(Value("numeric", str(self.current)), self.data_type)

    def given(self, text: str | None) -> None:
        if text is None:
            return
        value = int(text)
        ahead = self.current is None or (value > self.current if self.increment > 0 else value < self.current)
        if ahead:
            self.current = value

    def commit(self) -> None:
        self._committed = self.current

    def rollback(self) -> None:
        self.current = self._committed


def _as_written(value) -> str | None:
    """A value of a table the catalog has no CREATE TABLE for: its text, as COPY reads it."""
    if value is None or value is DEFAULT:
        return None
    if isinstance(value, str):
        return value
    return "\\x" + value.text if value.type == "varbinary" else value.text


@dataclass
class GivenRows:
    """Rows for a table as the script gives them: an INSERT's Values (DEFAULT, None for NULL),
    or a data file's text (None for an empty field)."""

    table: str  # object key
    columns: list[str] | None
    rows: list[list]
    file: str
    line: int
    dateformat: str | None = "mdy"  # None: values are not T-SQL literals (BULK INSERT and CSV files)
    kind: str = "insert"  # "insert": one statement, all or nothing | "bulk" | "csv": row by row
    row_lines: list[int] | None = None  # each row's line, when it has one of its own
    keep_identity: bool = False  # SET IDENTITY_INSERT ON, BULK INSERT ... KEEPIDENTITY, CSV files
    keep_nulls: bool = False  # BULK INSERT ... KEEPNULLS: an empty field stays NULL, not the default
    max_errors: int | None = None  # BULK INSERT's MAXERRORS: bad rows it skips before it fails

    def line_of(self, index: int) -> int:
        return self.row_lines[index] if self.row_lines else self.line


class RowStore:
    """The rows of every table of one source, stored as they are given."""

    def __init__(self, objects: dict[str, SourceObject], identity_specs: dict[str, tuple[int, int]],
                 finding: Callable[..., None], now: datetime) -> None:
        self.objects = objects  # the source's objects by key: filled in before rows are stored
        self.identity_specs = identity_specs  # table key -> (seed, increment)
        self.finding = finding  # (severity, message, file, line, object): the reader's findings
        self.now = now  # GETDATE() in a default
        self.data: dict[str, TableData] = {}
        self.identities: dict[str, _IdentityCounter] = {}
        self.defaults: dict[tuple[str, str], str | None | object] = {}
        self.rowversion = _FIRST_ROWVERSION - 1
        self.dropped: dict[str, int] = {}  # rows the source gave that are not stored, by table
        self.missing: dict[str, list[str]] = {}  # data files named for a table but not read

    def store(self, insert: GivenRows) -> None:
        """An INSERT's or a data file's rows, stored (or dropped, with findings) as SQL Server would."""
        table = self.objects.get(insert.table)
        if table is None or table.kind != "table":
            if insert.columns is None:
                self.finding("warning", f"INSERT rows for {insert.table} skipped: no column list and no CREATE TABLE", insert.file, insert.line)
                return
            rows = [[_as_written(value) for value in row] for row in insert.rows]
            self._add_rows(insert.table, insert.columns, rows, insert.file, insert.line, insert.row_lines)
            return
        writable = [c for c in table.columns if c.computed is None]
        given = self._given_columns(table, writable, insert)
        stored = self._store_rows(table, writable, given, insert) if given is not None else None
        if stored is None:
            self.dropped[table.key] = self.dropped.get(table.key, 0) + len(insert.rows)
            return
        rows, lines = stored
        self._add_rows(table.key, [c.name for c in writable], rows, insert.file, insert.line, lines)

    def _given_columns(self, table: SourceObject, writable: list[Column], insert: GivenRows) -> list[Column] | None:
        """The columns an INSERT's values go to, checked as SQL Server checks them; None (with a
        finding) when SQL Server refuses the statement."""
        def refuse(message: str) -> None:
            self.finding("warning", f"INSERT rows for {table.source} not stored, SQL Server refuses the statement: {message}",
                          insert.file, insert.line, table.source)

        identity = next((c for c in writable if c.identity), None)
        if insert.columns is not None:
            by_name = {c.name.lower(): c for c in table.columns}
            # an export may hold a computed column's values: read, and ignored as a data file's are
            unknown = [c for c in insert.columns if c.lower() not in by_name
                       or (by_name[c.lower()].computed is not None and insert.kind == "insert")]
            if unknown:
                return refuse(f"Invalid or computed column name '{unknown[0]}'.")
            given = [by_name[c.lower()] for c in insert.columns]
        elif insert.kind == "insert" and insert.keep_identity and identity is not None:
            return refuse(f"An explicit value for the identity column in table '{table.source}' can only be specified "
                          "when a column list is used and IDENTITY_INSERT is ON.")
        else:
            width = len(insert.rows[0]) if insert.rows else 0
            positional = writable if insert.kind != "insert" else [c for c in writable if c is not identity]
            if insert.kind == "bulk" and width == len(table.columns):
                positional = table.columns  # a data file holds a field for a computed column too, ignored
            if width != len(positional) and insert.kind == "insert" and identity is not None and width == len(writable):
                return refuse(f"An explicit value for the identity column in table '{table.source}' can only be specified "
                              "when a column list is used and IDENTITY_INSERT is ON.")
            if width != len(positional) and insert.kind != "insert" and width == len(positional) - (identity is not None):
                positional = [c for c in positional if c is not identity]
            if width != len(positional):
                self.finding("warning", f"INSERT rows for {table.source}: {width} values do not match its columns", insert.file, insert.line, table.source)
                return None
            given = positional
        if insert.kind == "insert" and identity is not None:
            if identity in given and not insert.keep_identity:
                return refuse(f"Cannot insert explicit value for identity column in table '{table.source}' when IDENTITY_INSERT is set to OFF.")
            if identity not in given and insert.keep_identity:
                return refuse(f"Explicit value must be specified for identity column in table '{table.source}' when IDENTITY_INSERT is set to ON.")
        return given

    def _store_rows(self, table: SourceObject, writable: list[Column], given: list[Column],
                    insert: GivenRows) -> tuple[list[list[str | None]], list[int]] | None:
        """Rows as SQL Server stores them: every column converted to its type, DEFAULTs for the
        omitted, IDENTITY and rowversion generated. An INSERT is one statement: one bad row and
        SQL Server stores none of it. A data file loads row by row (BULK INSERT up to MAXERRORS)."""
        positions = {id(c): k for k, c in enumerate(given)}
        identity = self._identity(table, writable)
        # per column, once: where its value is in a row, its converter, and whether a value given
        # for it is simply converted (not an IDENTITY, not omitted)
        plans = [(column, position, column_converter(column.data_type, insert.dateformat),
                  position is not None and not column.identity)
                 for column in writable for position in (positions.get(id(column)),)]
        rows: list[list[str | None]] = []
        refused: list[int] = []  # rows of a data file left out
        errors = 0
        for index, row in enumerate(insert.rows):
            try:
                stored_row = []
                append = stored_row.append
                for column, position, converter, converted in plans:
                    if converted and (value := row[position]) is not None and value is not DEFAULT:
                        append(converter(value))
                    else:
                        append(self._stored(table, column, row, position, insert, identity))
                rows.append(stored_row)
            except ConversionError as error:
                refused.append(index)
                where = f"{table.source} row not stored"
                if insert.kind == "insert":
                    count = f" (nor any of the {len(insert.rows)} rows of its INSERT)" if len(insert.rows) > 1 else ""
                    self.finding("warning", f"{where}{count}: {error}", insert.file, insert.line_of(index), table.source)
                    identity.rollback()
                    return None
                errors += 1
                self.finding("warning", f"{where}: {error}", insert.file, insert.line_of(index), table.source)
                self.dropped[table.key] = self.dropped.get(table.key, 0) + 1
                if insert.max_errors is not None and errors > insert.max_errors:
                    self.finding("error", f"BULK INSERT into {table.source} fails after {errors} bad rows (MAXERRORS {insert.max_errors}): "
                                 "none of its rows are stored", insert.file, insert.line, table.source)
                    identity.rollback()
                    self.dropped[table.key] -= errors
                    return None
        identity.commit()
        lines = insert.row_lines or [insert.line] * len(insert.rows)  # `line_of` of every row
        if refused:
            left_out = set(refused)
            lines = [line for index, line in enumerate(lines) if index not in left_out]
        return rows, lines

    def _stored(self, table: SourceObject, column: Column, row: list, position: int | None,
                insert: GivenRows, identity: _IdentityCounter) -> str | None:
        value = row[position] if position is not None else DEFAULT
        if column.identity and (position is None or not insert.keep_identity):
            return identity.next()  # BULK INSERT without KEEPIDENTITY ignores the file's values too
        if value is None and insert.kind == "bulk" and not insert.keep_nulls and column.default is not None:
            value = DEFAULT  # an empty field takes the column's default, unless KEEPNULLS
        if value is None and insert.kind == "csv" and not column.nullable and type_parts(column.data_type)[0] in _STRING_TYPES:
            value = ""  # an export writes a NOT NULL empty string as an empty field
        if value is DEFAULT:
            text = self._default(table, column)
            if text is _NO_DEFAULT:
                return None  # reported once: the default cannot be computed here
        else:
            text = convert(value, column.data_type, insert.dateformat)
        if column.identity:
            identity.given(text)
        if text is None and not column.nullable:
            raise ConversionError(f"Cannot insert the value NULL into column '{column.name}', table '{table.source}'; "
                                  "column does not allow nulls.")
        return text

    def _default(self, table: SourceObject, column: Column) -> str | None | object:
        """An omitted column's value: its DEFAULT (evaluated once), a new rowversion, or NULL."""
        if type_parts(column.data_type)[0] in ("timestamp", "rowversion"):
            self.rowversion += 1
            return "\\x" + f"{self.rowversion:016X}"
        if column.default is None:
            return None
        cache_key = (table.key, column.name.lower())
        if cache_key not in self.defaults:
            try:
                self.defaults[cache_key] = convert(default_value(column.default, self.now), column.data_type)
            except (NotLiteral, ConversionError) as error:
                self.defaults[cache_key] = _NO_DEFAULT
                self.finding("warning", f"{table.source}.{column.name}: DEFAULT ({column.default}) cannot be computed here "
                             f"({type(error).__name__}: {error}); omitted values are stored as NULL", table.file, table.line, table.source)
        return self.defaults[cache_key]

    def _identity(self, table: SourceObject, writable: list[Column]) -> _IdentityCounter:
        column = next((c for c in writable if c.identity), None)
        if table.key not in self.identities:
            seed, increment = self.identity_specs.get(table.key, (1, 1))
            self.identities[table.key] = _IdentityCounter(seed, increment, column.data_type if column else "int")
        return self.identities[table.key]

    def _add_rows(self, key: str, columns: list[str], rows: list[list[str | None]], file: str, line: int | None,
                  lines: list[int] | None = None) -> None:
        lines = lines or [line or 0] * len(rows)
        if any(len(row) != len(columns) for row in rows):
            self.finding("warning", f"rows for {key} with a wrong number of values skipped", file, line)
            self.dropped[key] = self.dropped.get(key, 0) + sum(1 for row in rows if len(row) != len(columns))
            kept = [k for k, row in enumerate(rows) if len(row) == len(columns)]
            rows, lines = [rows[k] for k in kept], [lines[k] for k in kept]
        existing = self.data.get(key)
        if existing is None:
            self.data[key] = TableData(key, list(columns), list(rows), file, origins=[[0, file]], lines=list(lines))
            return
        order = [c.lower() for c in existing.columns]
        given = [c.lower() for c in columns]
        if sorted(order) != sorted(given):
            self.finding("warning", f"rows for {key} with another column list than earlier rows skipped", file, line)
            self.dropped[key] = self.dropped.get(key, 0) + len(rows)
            return
        if existing.origins[-1][1] != file:
            existing.origins.append([len(existing.rows), file])
        positions = [given.index(c) for c in order]
        existing.rows.extend([row[p] for p in positions] for row in rows)
        existing.lines.extend(lines)

    def record_losses(self) -> None:
        """Each table's rows not stored and data files not read travel with its data, so that the
        load and the evaluation can tell a table that is empty from one that lost its rows."""
        for key in sorted(set(self.dropped) | set(self.missing)):
            data = self.data.get(key)
            if data is None:
                table = self.objects.get(key)
                columns = [c.name for c in table.columns if c.computed is None] if table is not None else []
                data = self.data[key] = TableData(key, columns, [], None)
            data.dropped = self.dropped.get(key, 0)
            data.missing = list(self.missing.get(key, []))
