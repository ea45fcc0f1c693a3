"""The data statements of scripts: `INSERT ... VALUES` (literal rows, dates under the session's
DATEFORMAT, the batch's DECLAREd constants), `SET IDENTITY_INSERT`, `BULK INSERT` files found
beside the script, and `data/<schema>.<table>.csv` files. Each gives rows for the RowStore.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

from migrator_pipeline.catalog.data_files import (
    bulk_file,
    bulk_options,
    bulk_rows,
    csv_records,
    empty_as_null,
    is_outside,
)
from migrator_pipeline.catalog.model import object_key
from migrator_pipeline.catalog.stored_rows import GivenRows, RowStore
from migrator_pipeline.catalog.value_literals import cast, number_value, read_value
from migrator_pipeline.catalog.values import ConversionError, NotLiteral, Value
from migrator_pipeline.tsql.lexer import Statement, Token, expand_rows
from migrator_pipeline.tsql.tokens import (
    data_type_at,
    literal_text,
    matching_paren,
    multipart_name,
    name_list,
    schema_and_name,
    split_commas,
)

_DATEFORMATS = ("mdy", "dmy", "ymd", "ydm", "myd", "dym")


def is_rows_insert(statement: Statement) -> bool:
    """`INSERT ... VALUES` whose only "rows" token (literal rows, see `tsql.lexer.lex`) is its end.

    The VALUES before the rows must be the keyword, not the table's name: `INSERT [INTO]
    [dbo.]VALUES (1)` reads `(1)` as a column list, so it is read from plain tokens.
    """
    tokens = statement.tokens
    if statement.verb != "INSERT" or tokens[-1].kind != "rows" or any(t.kind == "rows" for t in tokens[:-1]):
        return False
    name_start = 2 if tokens[1].upper == "INTO" else 1
    return len(tokens) - 2 > name_start and tokens[-3].text != "."


# A value of a "rows" token, whose grammar the lexer has checked: what `literal_text` makes of it.
# Each match first skips the `(`, commas and whitespace before the value (much faster than
# letting `finditer` search past them); comments are matched so that a quote in one is not
# read as a value, and a sign is kept for the number after it.
_ROW_VALUE = re.compile(
    r"""[\s,(]*+(?:
     (?P<national>[Nn])?'(?P<string>[^']*(?:''[^']*)*)'
    |0[xX](?P<hex>[0-9a-fA-F]*)
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<null>[Nn][Uu][Ll][Ll])
    |(?P<row_end>\))
    |(?P<comment>--[^\n]*)
    |(?P<sign>[+-])
    )""",
    re.X,
)


def literal_rows(rows_text: str) -> tuple[list[list[Value | None]], list[int]]:
    """The rows of a "rows" token (`(1, N'a''b'), (-2, NULL)`) as Values, and how many lines
    into the text each row starts."""
    rows: list[list[Value | None]] = []
    starts: list[int] = []
    row: list[Value | None] = []
    sign = ""
    newlines, counted = 0, 0
    for match in _ROW_VALUE.finditer(rows_text):
        kind = match.lastgroup
        if len(starts) == len(rows) and kind not in ("row_end", "comment"):  # a row's first value
            newlines += rows_text.count("\n", counted, match.start(kind))
            counted = match.start(kind)
            starts.append(newlines)
        if kind == "string":
            value = match.group("string")
            text = value.replace("''", "'") if "''" in value else value
            row.append(Value("nvarchar" if match.group("national") else "varchar", text))
        elif kind == "number":
            row.append(number_value("-" + match.group("number") if sign == "-" else match.group("number")))
            sign = ""
        elif kind == "null":
            row.append(None)
        elif kind == "row_end":
            rows.append(row)
            row = []
        elif kind == "hex":
            row.append(Value("varbinary", match.group("hex").upper()))
        elif kind == "sign":
            sign = match.group("sign")
    return rows, starts


class ScriptData:
    """The data statements of one source's scripts, read in order, with their session state."""

    def __init__(self, root: Path, rows: RowStore, finding: Callable[..., None], file_name: Callable[[Path], str]) -> None:
        self.root = root
        self.rows = rows
        self.finding = finding  # (severity, message, file, line, object): the reader's findings
        self.file_name = file_name
        self.now = rows.now  # GETDATE() in a VALUES list
        self.inserts: list[GivenRows] = []
        self.bulk_files: set[Path] = set()
        self.dateformat = "mdy"
        self.identity_insert: set[str] = set()  # the session's IDENTITY_INSERT table
        self.variables: dict[str, Value | None] = {}  # the batch's DECLAREd constants, by name
        self.variable_types: dict[str, str] = {}

    def new_session(self) -> None:
        """A script as sqlcmd runs it: a session of its own (DATEFORMAT, IDENTITY_INSERT)."""
        self.dateformat = "mdy"
        self.identity_insert = set()

    def read_insert(self, tokens: list[Token], text: str, file: str, line: int) -> None:
        i = 2 if len(tokens) > 1 and tokens[1].upper == "INTO" else 1
        parts, i = multipart_name(tokens, i)
        if not parts or parts[-1].startswith(("#", "@")):
            return
        schema, name = schema_and_name(parts)
        key = object_key(schema, name)
        columns = None
        if i < len(tokens) and tokens[i].text == "(":
            columns, i = name_list(tokens, i)
        if i + 1 < len(tokens) and (tokens[i].upper, tokens[i + 1].upper) == ("DEFAULT", "VALUES"):
            self.inserts.append(self._insert(key, [], [[]], file, line, None))
            return
        if i >= len(tokens) or tokens[i].upper != "VALUES":
            self.finding("info", f"INSERT into {schema}.{name} without VALUES outside a module ignored", file, line)
            return
        values = tokens[i + 1 :]
        if len(values) == 1 and values[0].kind == "rows":
            rows, starts = literal_rows(values[0].text)  # checked by the lexer: no findings to make
            first = line + text.count("\n", tokens[0].start, values[0].start)
            row_lines = [first + offset for offset in starts]
        else:
            rows, row_lines = [], []
            for row_tokens in split_commas(expand_rows(text, values)):
                row_line = line + text.count("\n", tokens[0].start, row_tokens[0].start)
                row = self._row(key, row_tokens, file, row_line)
                if row is not None:
                    rows.append(row)
                    row_lines.append(row_line)
        if rows:
            self.inserts.append(self._insert(key, columns, rows, file, line, row_lines))

    def _insert(self, key: str, columns: list[str] | None, rows: list[list], file: str, line: int,
                row_lines: list[int] | None) -> GivenRows:
        return GivenRows(key, columns, rows, file, line, self.dateformat, "insert", row_lines,
                       keep_identity=key in self.identity_insert)

    def _row(self, key: str, tokens: list[Token], file: str, line: int) -> list | None:
        if tokens[0].text != "(" or matching_paren(tokens, 0) != len(tokens) - 1:
            self.finding("warning", "VALUES row that is not a parenthesised list skipped", file, line)
            self.rows.dropped[key] = self.rows.dropped.get(key, 0) + 1
            return None
        row = []
        for item in split_commas(tokens[1:-1]):
            try:
                row.append(read_value(item, self.now, self.variables))
            except NotLiteral:
                excerpt = " ".join(t.text for t in item)[:60]
                self.finding("warning", f"VALUES row with a non-literal value skipped: {excerpt}", file, line)
                self.rows.dropped[key] = self.rows.dropped.get(key, 0) + 1
                return None
            except ConversionError as error:  # its own CAST fails: so does the row in SQL Server
                self.finding("warning", f"row not stored, SQL Server refuses it: {error}", file, line)
                self.rows.dropped[key] = self.rows.dropped.get(key, 0) + 1
                return None
        return row

    def read_bulk_insert(self, tokens: list[Token], file: str, line: int) -> None:
        """`BULK INSERT t FROM 'path' WITH (...)`: the file's rows, found beside the script."""
        parts, i = multipart_name(tokens, 2)
        if not parts or i + 1 >= len(tokens) or tokens[i].upper != "FROM" or tokens[i + 1].kind != "string":
            self.finding("warning", "BULK INSERT without a table and a file name ignored", file, line)
            return
        key = object_key(*schema_and_name(parts))
        written = literal_text([tokens[i + 1]])[1] or ""
        options = bulk_options(tokens[i + 2 :])
        path = bulk_file(self.root / file, written, self.root)
        if path is None and is_outside(self.root / file, written, self.root):
            self.finding("error", f"BULK INSERT file for {key} is outside the source folder, not read: {written}", file, line, key)
            self.rows.missing.setdefault(key, []).append(written)
            return
        if path is None:
            self.finding("error", f"BULK INSERT file for {key} not found: {written}", file, line, key)
            self.rows.missing.setdefault(key, []).append(written)
            return
        table = self.rows.objects.get(key)
        fields = len(table.columns) if table is not None and table.kind == "table" else None
        try:
            rows, lines = bulk_rows(path.read_bytes(), options, fields)
        except (UnicodeDecodeError, LookupError, csv.Error, OSError, ValueError) as error:
            self.finding("error", f"cannot read the BULK INSERT file {written}: {error}", file, line, key)
            self.rows.missing.setdefault(key, []).append(written)
            return
        self.bulk_files.add(path.resolve())
        if rows:
            max_errors = options.get("MAXERRORS")
            self.inserts.append(GivenRows(
                key, None, rows, self.file_name(path), line, None, "bulk", lines,
                keep_identity="KEEPIDENTITY" in options, keep_nulls="KEEPNULLS" in options,
                max_errors=int(max_errors) if max_errors and max_errors.isdigit() else 10))

    def read_csv(self, path: Path) -> None:
        if path.resolve() in self.bulk_files:
            return  # already read by the BULK INSERT that names it
        file = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else path.name
        schema, dot, table = path.stem.partition(".")
        if not dot:
            self.finding("warning", "CSV file name is not <schema>.<table>.csv, skipped", file)
            return
        key = object_key(schema, table)
        try:
            records, lines = csv_records(path.read_text(encoding="utf-8-sig"), ",", '"')
        except (UnicodeDecodeError, csv.Error, OSError) as error:
            self.finding("error", f"cannot read the CSV file, skipped: {error}", file, None, key)
            self.rows.missing.setdefault(key, []).append(file)
            return
        if not records:
            self.finding("warning", "empty CSV file, skipped", file)
            return
        rows = [empty_as_null(record) for record in records[1:]]
        self.inserts.append(GivenRows(key, records[0], rows, file, 1, None, "csv", lines[1:], keep_identity=True))

    def read_declare(self, tokens: list[Token]) -> bool:
        """`DECLARE @x type [= constant], ...`: the batch's variables, for the VALUES that use
        them (WideWorldImportersDW's post-deployment rows). False for cursors and table variables."""
        declared = []
        for piece in split_commas(tokens[1:]):
            if not piece[0].text.startswith("@") or len(piece) < 2:
                return False
            start = 2 if piece[1].upper == "AS" else 1
            if start < len(piece) and piece[start].upper in ("TABLE", "CURSOR"):
                return False
            data_type, end = data_type_at(piece, start)
            declared.append((piece[0].text.lower(), data_type, piece[end + 1 :] if end < len(piece) and piece[end].text == "=" else None))
        for name, data_type, expression in declared:
            self._assign(name, data_type, expression)
        return True

    def _assign(self, name: str, data_type: str, expression: list[Token] | None) -> None:
        """A variable's value: a constant converted to its type, or unknown (left out) when it is not one."""
        self.variable_types[name] = data_type
        try:
            value = read_value(expression, self.now, self.variables) if expression else None
            self.variables[name] = cast(value, data_type, self.dateformat)
        except (NotLiteral, ConversionError, ValueError):
            self.variables.pop(name, None)

    def read_set(self, tokens: list[Token]) -> None:
        if len(tokens) > 2 and tokens[1].text.startswith("@"):
            name = tokens[1].text.lower()
            if tokens[2].text == "=" and name in self.variable_types:
                self._assign(name, self.variable_types[name], tokens[3:])
            else:
                self.variables.pop(name, None)  # SET @x += 1 and the like: no longer known
            return
        option = tokens[1].upper if len(tokens) > 2 else ""
        if option == "IDENTITY_INSERT":
            parts, i = multipart_name(tokens, 2)
            key = object_key(*schema_and_name(parts)) if parts else ""
            if i < len(tokens) and tokens[i].upper == "ON":
                self.identity_insert = {key}  # one table per session at a time, as in SQL Server
            elif key in self.identity_insert:
                self.identity_insert.discard(key)
            return
        if option == "DATEFORMAT":
            written = tokens[2].text.strip("'").lower()
            self.dateformat = written if written in _DATEFORMATS else self.dateformat
        elif option == "LANGUAGE":
            language = tokens[2].name.strip("'").lower()
            self.dateformat = "mdy" if language in ("us_english", "english") else "dmy"
