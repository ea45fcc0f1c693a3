"""Read a folder of `.sql` scripts (or one script) into a Catalog.

How a script is read:
- decoded as UTF-8 (with or without BOM) or UTF-16 with a BOM; CRLF becomes LF;
- split into `GO` batches, and batches into statements (`tsql.lexer`);
- `CREATE TABLE` is read from tokens, not by sqlglot: sqlglot rewrites data types
  (`int` -> `INTEGER`) and gives up on storage clauses such as `TEXTIMAGE_ON`, while the
  catalog keeps types as written;
- views, procedures, functions and triggers keep their whole statement as `body`; their
  dependencies come from sqlglot's parse of the body (`tsql.modules`);
- `INSERT ... VALUES` outside modules and `data/<schema>.<table>.csv` files become
  TableData. In CSV files an empty field is NULL (None): the csv module cannot tell an
  empty quoted string from an empty field, and NULL is the commoner meaning in exports.
- SQLCMD: `:setvar` and `$(NAME)` (command-line variables win), `:r` includes relative to the
  including file (read where included, never again on their own); other `:` lines skipped;
- SSDT: a `*.sqlproj` beside the scripts gives the pre-/post-deployment order, SQLCMD variable
  defaults and the database name; its <None>/<Content> files and bin/, obj/ are left out;
- `ALTER` and `CREATE OR ALTER` replace an earlier definition quietly; a second `CREATE` is a
  "duplicate object" warning. `EXEC('...')` and `sp_executesql N'...'` strings are read as batches;
- types (`CREATE TYPE`, `sp_addtype`), sequences, synonyms, schemas and indexes are recorded
  (`RECORDED_KINDS`). A schema is `<schema>.<schema>`; an index is `<table>.<index>` in the table's
  schema, since index names are unique per table only. Alias types resolve to their base type;
- MS_Description extended properties become descriptions of objects and columns;
- date(time) literals in INSERTs are rewritten as ISO text under the DATEFORMAT in force;
  `BULK INSERT` files are read beside the script (by file name when the path is Windows').
Anything not understood becomes a Finding with file and line; only an unusable source
raises SourceError. Missing references and dependency cycles are `catalog.dependencies`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.catalog.data_files import bulk_file, bulk_options, bulk_rows, csv_records, empty_as_null, is_outside
from migrator_pipeline.catalog.dependencies import dependency_findings
from migrator_pipeline.catalog.model import (
    Catalog,
    Column,
    Finding,
    SourceError,
    SourceObject,
    TableData,
    object_key,
)
from migrator_pipeline.catalog.sqlcmd import Sqlcmd
from migrator_pipeline.catalog.sqlproj import SqlProject, project_scripts, read_project, source_files
from migrator_pipeline.catalog.table_ddl import AlterTable, TableDefinitions
from migrator_pipeline.catalog.values import (
    DEFAULT,
    ConversionError,
    NotLiteral,
    Value,
    cast,
    column_converter,
    convert,
    default_value,
    number_value,
    read_value,
    type_parts,
)
from migrator_pipeline.tsql.lexer import (
    LineIndex,
    Statement,
    Token,
    expand_rows,
    script_batches,
    split_statements,
    tokenize,
)
from migrator_pipeline.tsql.modules import body_statements, parse_module_header
from migrator_pipeline.tsql.references import statement_dependencies
from migrator_pipeline.tsql.tokens import (
    data_type_at,
    literal_text,
    matching_paren,
    multipart_name,
    name_list,
    schema_and_name,
    split_commas,
    string_text,
    token_text,
)

# statements of deployment scripts that carry nothing for the catalog
_IGNORED_VERBS = frozenset(
    "SET USE DROP PRINT GRANT DENY REVOKE IF ELSE BEGIN COMMIT ROLLBACK RAISERROR".split()
)



_DATEFORMATS = ("mdy", "dmy", "ymd", "ydm", "myd", "dym")
# GETDATE() in a default or a VALUES list is when SQL Server ran the script; here, when this
# process first read a source: one instant, so that two reads of one estate give the same rows
READ_TIME = datetime.now().replace(microsecond=0)
# SQL Server's @@DBTS in a new database: the first rowversion it hands out is one more
_FIRST_ROWVERSION = 2001
# EXEC of system procedures that define something for the catalog
_EXTENDED_PROPERTY = ("@name", "@value", "@level0type", "@level0name", "@level1type", "@level1name", "@level2type", "@level2name")
_ADDTYPE = ("@typename", "@phystype", "@nulltype")
_DYNAMIC_CREATE = re.compile(
    r"\b(?:CREATE|ALTER)\s+(?:OR\s+ALTER\s+)?(?:TABLE|VIEW|PROC|PROCEDURE|FUNCTION|TRIGGER|TYPE|SEQUENCE|SYNONYM|SCHEMA)\s+"
    r"((?:\[[^\]]+\]|\w+)(?:\s*\.\s*(?:\[[^\]]+\]|\w+))*)",
    re.I,
)


@dataclass
class _Insert:
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


@dataclass
class _Property:
    """An MS_Description extended property, applied once every object is known."""

    value: str
    target: list[tuple[str, str]]  # (level type, name) pairs: SCHEMA, TABLE|VIEW|..., COLUMN|PARAMETER
    file: str
    line: int


def _redefines(tokens: list[Token]) -> bool:
    """`ALTER ...` and `CREATE OR ALTER ...` mean to replace a definition, not to duplicate it."""
    words = [t.upper for t in tokens[:3]]
    return words[0] == "ALTER" or words[1:3] == ["OR", "ALTER"]


def _exec_arguments(tokens: list[Token]) -> tuple[list[list[Token]], dict[str, list[Token]]]:
    """Positional and `@name = value` arguments of an EXEC, as token lists."""
    positional: list[list[Token]] = []
    named: dict[str, list[Token]] = {}
    for piece in split_commas(tokens):
        if len(piece) > 2 and piece[0].text.startswith("@") and piece[1].text == "=":
            named[piece[0].text.lower()] = piece[2:]
        else:
            positional.append(piece)
    return positional, named


def _arguments(tokens: list[Token], names: tuple[str, ...]) -> dict[str, str | None]:
    """EXEC arguments by parameter name (positional ones take `names` in order), as text."""
    positional, named = _exec_arguments(tokens)
    given = dict(zip(names, positional)) | named
    values: dict[str, str | None] = {}
    for name, value_tokens in given.items():
        is_literal, value = literal_text(value_tokens)
        if not is_literal and len(value_tokens) == 1 and value_tokens[0].is_identifier:
            is_literal, value = True, value_tokens[0].name  # EXEC sp_addtype Phone, ...
        values[name] = value if is_literal else " ".join(t.text for t in value_tokens)
    return values


def read_catalog(source: Path, *, variables: Mapping[str, str] | None = None) -> Catalog:
    """The catalog of a script folder or SSDT project (read recursively) or of one `.sql` file.

    `variables` are SQLCMD variables given on the command line: they seed `$(NAME)` and
    win over `:setvar` in the scripts, as `sqlcmd -v` does.
    """
    source = Path(source)
    if not source.exists():
        raise SourceError(f"source not found: {source}")
    if source.is_file() and source.suffix.lower() != ".sql":
        raise SourceError(f"not a .sql file or a folder of .sql scripts: {source}")
    root = source.parent if source.is_file() else source
    project = read_project(root) if source.is_dir() else SqlProject()
    reader = _ScriptReader(str(source), root, {**project.variables, **(variables or {})}, set(variables or {}))
    reader.databases.update(project.names)
    reader.catalog.findings.extend(project.findings)
    if project.collation:
        reader.catalog.collation = project.collation
    scripts = [source] if source.is_file() else project_scripts(root, project)
    included = set() if source.is_file() else reader.sqlcmd.included_files(scripts, reader.seed_variables)
    scripts = [s for s in scripts if s.resolve() not in included]
    if not scripts:
        reader.finding("error", "no .sql files found")
    for script in scripts:
        reader.read_top_script(script)
    data_root = source.parent / "data" if source.is_file() else root
    for csv_file in source_files(data_root, ".csv"):
        if csv_file.parent.name.lower() == "data" or source.is_file():
            reader.read_csv(csv_file)
    return reader.finish()


def _is_rows_insert(statement: Statement) -> bool:
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


class _ScriptReader:
    def __init__(self, source: str, root: Path, variables: dict[str, str], fixed: set[str]) -> None:
        self.catalog = Catalog(source=source)
        self.root = root
        self.seed_variables = variables
        self.sqlcmd = Sqlcmd(root, fixed, self.finding, self.file_name)
        self.databases: set[str] = set()  # names of the current database (USE, project name)
        self.objects: dict[str, SourceObject] = {}
        self.tables = TableDefinitions(self.finding)
        self.alters: list[AlterTable] = []
        self.inserts: list[_Insert] = []
        self.data: dict[str, TableData] = {}
        self.types: dict[str, tuple[str, bool]] = {}  # alias type key -> (base type, nullable)
        self.properties: list[_Property] = []
        self.dateformat = "mdy"
        self.bulk_files: set[Path] = set()
        # storing rows as SQL Server does: the session's IDENTITY_INSERT tables, each table's
        # identity spec and counter, computed defaults, the database's rowversion counter
        self.identity_insert: set[str] = set()
        self.identities: dict[str, _IdentityCounter] = {}
        self.defaults: dict[tuple[str, str], str | None | object] = {}
        self.rowversion = _FIRST_ROWVERSION - 1
        self.now = READ_TIME  # GETDATE() in a default or a VALUES list
        self.dropped: dict[str, int] = {}  # rows the source gave that are not stored, by table
        self.missing: dict[str, list[str]] = {}  # data files named for a table but not read
        self.variables: dict[str, Value | None] = {}  # the batch's DECLAREd constants, by name
        self.variable_types: dict[str, str] = {}

    def finding(self, severity: str, message: str, file: str | None = None, line: int | None = None, obj: str | None = None) -> None:
        self.catalog.findings.append(Finding(severity, message, file, line, obj))

    def file_name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else path.as_posix()

    def read_top_script(self, path: Path) -> None:
        """A script as sqlcmd runs it: a session of its own (variables, DATEFORMAT, IDENTITY_INSERT)."""
        self.dateformat = "mdy"
        self.identity_insert = set()
        for text, first_line, file in self.sqlcmd.texts(path, dict(self.seed_variables)):
            self._read_text(text, first_line, file)

    def _read_text(self, text: str, first_line: int, file: str) -> None:
        # one tokenizing pass over the script; statements keep offsets into the whole script
        lines = LineIndex(text, first_line)
        for batch in script_batches(text, compact_rows=True):
            self.variables = {}  # a batch's variables end with it
            self._read_tokens(text, batch.tokens, lines, file)

    def _read_batch(self, text: str, first_line: int, file: str) -> None:
        outer, self.variables = self.variables, {}  # dynamic SQL is a batch of its own
        try:
            self._read_tokens(text, tokenize(text), LineIndex(text, first_line), file)
        finally:
            self.variables = outer

    def _read_tokens(self, text: str, tokens: list[Token], lines: LineIndex, file: str) -> None:
        split = split_statements(tokens)
        for message, offset in split.errors:
            self.finding("error", message, file, lines.line(offset))
        for statement in split.statements:
            line = lines.line(statement.start)
            try:
                self._read_statement(statement, text, file, line)
            except Exception as error:  # noqa: BLE001 - bad input is normal input: report it, read on
                self.finding("error", f"cannot read {statement.verb} statement: {type(error).__name__}: {error}", file, line)

    def _read_statement(self, statement: Statement, text: str, file: str, line: int) -> None:
        if not _is_rows_insert(statement):
            # only INSERT ... VALUES reads a "rows" token itself; everything else sees plain tokens
            statement = Statement(statement.verb, expand_rows(text, statement.tokens), statement.in_catch)
        verb, tokens = statement.verb, statement.tokens
        if verb in ("CREATE", "ALTER"):
            self._read_definition(statement, text, file, line)
        elif verb == "INSERT":
            self._read_insert(tokens, text, file, line)
        elif verb in ("EXEC", "EXECUTE"):
            self._read_exec(tokens, text, file, line)
        elif verb == "SET":
            self._read_set(tokens)
        elif verb == "USE" and len(tokens) > 1 and tokens[1].is_identifier:
            self.databases.add(tokens[1].name.lower())
        elif verb == "BULK" and len(tokens) > 1 and tokens[1].upper == "INSERT":
            self._read_bulk_insert(tokens, file, line)
        elif verb in _IGNORED_VERBS:
            return
        elif verb == "DECLARE" and self._read_declare(tokens):
            return
        elif verb in ("WITH", "SELECT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "DECLARE"):
            self.finding("info", f"{verb} statement outside a module ignored", file, line)
        else:
            excerpt = " ".join(token_text(text, tokens[:8]).split())[:80]
            self.finding("warning", f"unrecognised statement ignored: {excerpt}", file, line)

    def _read_declare(self, tokens: list[Token]) -> bool:
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

    def _read_set(self, tokens: list[Token]) -> None:
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

    def _read_definition(self, statement: Statement, text: str, file: str, line: int) -> None:
        header = parse_module_header(statement.tokens)
        if header is None:
            if not self._read_recorded(statement, text, file, line):
                words = " ".join(t.upper for t in statement.tokens[:2])
                self.finding("info", f"{words} statement ignored", file, line)
            return
        if header.name.startswith("#"):
            return  # temp tables at script level: session scratch
        key = object_key(header.schema, header.name)
        if header.kind == "table" and statement.verb == "ALTER":
            self.alters.append(AlterTable(key, statement.tokens, text, file, line))
            return
        obj = SourceObject(header.schema, header.name, header.kind, token_text(text, statement.tokens), file, line)
        redefines = _redefines(statement.tokens)
        try:
            if header.kind == "table":
                self.tables.read_table(obj, header, statement.tokens, text)
            else:
                obj.parameters = header.parameters
                obj.function_kind = header.function_kind
                if header.body_start is None:
                    self.finding("warning", f"no AS before the body of {obj.source}", file, line, obj.source)
        finally:  # the object is recorded even when its definition cannot be read in full
            self._add_object(obj, redefines)

    def _add_object(self, obj: SourceObject, redefines: bool = False) -> None:
        """Record an object; `ALTER` and `CREATE OR ALTER` replace an earlier definition quietly."""
        previous = self.objects.get(obj.key)
        if previous is not None and not redefines:
            self.finding(
                "warning",
                f"duplicate object: {obj.source} is defined more than once; the definition at {obj.file}:{obj.line} wins"
                f" over {previous.file}:{previous.line}",
                obj.file,
                obj.line,
                obj.source,
            )
        self.objects[obj.key] = obj

    # ------------------------------------------------------------ recorded kinds

    def _read_recorded(self, statement: Statement, text: str, file: str, line: int) -> bool:
        """`CREATE TYPE | SEQUENCE | SYNONYM | SCHEMA | [UNIQUE] [NON]CLUSTERED INDEX`: True when read."""
        tokens = statement.tokens
        if statement.verb != "CREATE":
            return False
        words = [t.upper for t in tokens[:6]]
        body = token_text(text, tokens)
        if words[1] == "SCHEMA":
            if len(tokens) < 3 or not tokens[2].is_identifier or tokens[2].upper == "AUTHORIZATION":
                return False
            # a schema is recorded under its own name as both schema and name: `dw.dw`
            self._add_object(SourceObject(tokens[2].name, tokens[2].name, "schema", body, file, line))
            return True
        if words[1] in ("TYPE", "SEQUENCE", "SYNONYM"):
            parts, i = multipart_name(tokens, 2)
            if not parts:
                return False
            obj = SourceObject(*schema_and_name(parts), words[1].lower(), body, file, line)
            if words[1] == "TYPE":
                self._read_type(obj, tokens, i)
            elif words[1] == "SYNONYM" and i < len(tokens) and tokens[i].upper == "FOR":
                target, _ = multipart_name(tokens, i + 1)
                self._check_database(obj, target, file, line)
                if target and (len(target) < 3 or target[0].lower() in self.databases):
                    obj.reads = [object_key(*schema_and_name(target))]  # a synonym reads what it names
            self._add_object(obj)
            return True
        return self._read_index(tokens, body, file, line)

    def _read_type(self, obj: SourceObject, tokens: list[Token], i: int) -> None:
        if i >= len(tokens) or tokens[i].upper != "FROM":
            return  # AS TABLE (...) or EXTERNAL NAME: recorded, no base type
        base, k = data_type_at(tokens, i + 1)
        nullable = not (k + 1 < len(tokens) and tokens[k].upper == "NOT" and tokens[k + 1].upper == "NULL")
        self.types[obj.key] = (base, nullable)

    def _read_index(self, tokens: list[Token], body: str, file: str, line: int) -> bool:
        """An index is recorded as `<table>.<index>` in the table's schema: index names are per table."""
        i = 1
        while i < len(tokens) and tokens[i].upper in ("UNIQUE", "CLUSTERED", "NONCLUSTERED", "COLUMNSTORE", "XML", "SPATIAL"):
            i += 1
        if i + 3 >= len(tokens) or tokens[i].upper != "INDEX" or tokens[i + 2].upper != "ON":
            return False
        parts, _ = multipart_name(tokens, i + 3)
        if not parts:
            return False
        schema, table = schema_and_name(parts)
        self._add_object(SourceObject(schema, f"{table}.{tokens[i + 1].name}", "index", body, file, line))
        return True

    def _check_database(self, obj: SourceObject, parts: list[str], file: str | None, line: int | None) -> None:
        """A name in another database or on a linked server: the object depends on something outside the estate."""
        named = ".".join(parts)
        if len(parts) >= 4:
            self.finding("warning", f"{obj.source} references {named} on a linked server", file, line, obj.source)
        elif len(parts) == 3 and parts[0] and parts[0].lower() not in self.databases:
            self.finding("warning", f"{obj.source} references {named} in another database", file, line, obj.source)

    # ------------------------------------------------------------ EXEC

    def _read_exec(self, tokens: list[Token], text: str, file: str, line: int) -> None:
        if len(tokens) > 1 and tokens[1].text == "(":  # EXEC ('CREATE VIEW ...')
            close = matching_paren(tokens, 1)
            self._read_dynamic(string_text(tokens[2:close]) if close > 0 else None, tokens, text, file, line)
            return
        parts, i = multipart_name(tokens, 1)
        if i < len(tokens) and tokens[i].text == "=" and parts and parts[0].startswith("@"):
            parts, i = multipart_name(tokens, i + 1)  # EXEC @rc = dbo.Proc
        procedure = parts[-1].lower() if parts else ""
        arguments = tokens[i:]
        if procedure == "sp_executesql":
            positional, named = _exec_arguments(arguments)
            statement = named.get("@stmt") or (positional[0] if positional else [])
            self._read_dynamic(string_text(statement), tokens, text, file, line)
        elif procedure == "sp_addextendedproperty":
            self._read_extended_property(_arguments(arguments, _EXTENDED_PROPERTY), file, line)
        elif procedure == "sp_addtype":
            self._read_addtype(_arguments(arguments, _ADDTYPE), token_text(text, tokens), file, line)
        else:
            self.finding("info", f"{tokens[0].upper} statement outside a module ignored", file, line)

    def _read_dynamic(self, sql: str | None, tokens: list[Token], text: str, file: str, line: int) -> None:
        """Dynamic SQL at script level: its string is read as a batch of its own."""
        if sql is not None:
            self._read_batch(sql, line, file)
            return
        created = _DYNAMIC_CREATE.search(token_text(text, tokens))
        if created is not None:
            name = "".join(created.group(1).split())
            self.finding("warning", f"dynamic SQL that is not a string literal creates {name}: not read", file, line, name)
        else:
            self.finding("info", "dynamic SQL outside a module ignored", file, line)

    def _read_extended_property(self, values: dict[str, str | None], file: str, line: int) -> None:
        if (values.get("@name") or "").lower() != "ms_description":
            return
        levels = [
            ((values.get(f"@level{n}type") or "").upper(), values.get(f"@level{n}name") or "")
            for n in range(3)
            if values.get(f"@level{n}type")
        ]
        self.properties.append(_Property(values.get("@value") or "", levels, file, line))

    def _read_addtype(self, values: dict[str, str | None], body: str, file: str, line: int) -> None:
        name, base = values.get("@typename"), values.get("@phystype")
        if not name or not base:
            self.finding("warning", "sp_addtype without a type name and a base type ignored", file, line)
            return
        parts = [p.strip("[]") for p in name.split(".")]
        obj = SourceObject(*schema_and_name(parts), "type", body, file, line)
        base_type, _ = data_type_at(tokenize(base), 0)
        self.types[obj.key] = (base_type, (values.get("@nulltype") or "NULL").upper().replace(" ", "") != "NOTNULL")
        self._add_object(obj)

    # ------------------------------------------------------------ data

    def _read_insert(self, tokens: list[Token], text: str, file: str, line: int) -> None:
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
                row_lines: list[int] | None) -> _Insert:
        return _Insert(key, columns, rows, file, line, self.dateformat, "insert", row_lines,
                       keep_identity=key in self.identity_insert)

    def _row(self, key: str, tokens: list[Token], file: str, line: int) -> list | None:
        if tokens[0].text != "(" or matching_paren(tokens, 0) != len(tokens) - 1:
            self.finding("warning", "VALUES row that is not a parenthesised list skipped", file, line)
            self.dropped[key] = self.dropped.get(key, 0) + 1
            return None
        row = []
        for item in split_commas(tokens[1:-1]):
            try:
                row.append(read_value(item, self.now, self.variables))
            except NotLiteral:
                excerpt = " ".join(t.text for t in item)[:60]
                self.finding("warning", f"VALUES row with a non-literal value skipped: {excerpt}", file, line)
                self.dropped[key] = self.dropped.get(key, 0) + 1
                return None
            except ConversionError as error:  # its own CAST fails: so does the row in SQL Server
                self.finding("warning", f"row not stored, SQL Server refuses it: {error}", file, line)
                self.dropped[key] = self.dropped.get(key, 0) + 1
                return None
        return row

    def _apply_insert(self, insert: _Insert) -> None:
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

    def _given_columns(self, table: SourceObject, writable: list[Column], insert: _Insert) -> list[Column] | None:
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
                    insert: _Insert) -> tuple[list[list[str | None]], list[int]] | None:
        """Rows as SQL Server stores them: every column converted to its type, DEFAULTs for the
        omitted, IDENTITY and rowversion generated. An INSERT is one statement: one bad row and
        SQL Server stores none of it. A data file loads row by row (BULK INSERT up to MAXERRORS)."""
        positions = {id(c): k for k, c in enumerate(given)}
        identity = self._identity(table, writable)
        # per column, once: where its value is in a row, and its converter
        plans = [(column, positions.get(id(column)), column_converter(column.data_type, insert.dateformat))
                 for column in writable]
        rows: list[list[str | None]] = []
        lines: list[int] = []
        errors = 0
        for index, row in enumerate(insert.rows):
            try:
                stored_row = []
                for column, position, converter in plans:
                    value = row[position] if position is not None else DEFAULT
                    if value is None or value is DEFAULT or column.identity:
                        stored_row.append(self._stored(table, column, row, position, insert, identity))
                    else:
                        stored_row.append(converter(value))
                rows.append(stored_row)
                lines.append(insert.line_of(index))
            except ConversionError as error:
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
        return rows, lines

    def _stored(self, table: SourceObject, column: Column, row: list, position: int | None,
                insert: _Insert, identity: _IdentityCounter) -> str | None:
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
            seed, increment = self.tables.identity_specs.get(table.key, (1, 1))
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

    def _read_bulk_insert(self, tokens: list[Token], file: str, line: int) -> None:
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
            self.missing.setdefault(key, []).append(written)
            return
        if path is None:
            self.finding("error", f"BULK INSERT file for {key} not found: {written}", file, line, key)
            self.missing.setdefault(key, []).append(written)
            return
        table = self.objects.get(key)
        fields = len(table.columns) if table is not None and table.kind == "table" else None
        try:
            rows, lines = bulk_rows(path.read_bytes(), options, fields)
        except (UnicodeDecodeError, LookupError, csv.Error, OSError, ValueError) as error:
            self.finding("error", f"cannot read the BULK INSERT file {written}: {error}", file, line, key)
            self.missing.setdefault(key, []).append(written)
            return
        self.bulk_files.add(path.resolve())
        if rows:
            max_errors = options.get("MAXERRORS")
            self.inserts.append(_Insert(
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
            self.missing.setdefault(key, []).append(file)
            return
        if not records:
            self.finding("warning", "empty CSV file, skipped", file)
            return
        rows = [empty_as_null(record) for record in records[1:]]
        self.inserts.append(_Insert(key, records[0], rows, file, 1, None, "csv", lines[1:], keep_identity=True))

    # ------------------------------------------------------------ finish

    def finish(self) -> Catalog:
        for alter in self.alters:
            self.tables.apply_alter(alter, self.objects)
        self._resolve_types()
        for insert in self.inserts:
            try:
                self._apply_insert(insert)
            except Exception as error:  # noqa: BLE001 - one unreadable statement must not stop the estate
                self.finding("error", f"rows for {insert.table} not stored: {type(error).__name__}: {error}",
                             insert.file, insert.line, insert.table)
                self.dropped[insert.table] = self.dropped.get(insert.table, 0) + len(insert.rows)
        self._record_losses()
        for prop in self.properties:
            self._apply_property(prop)
        for obj in self.objects.values():
            if obj.kind not in ("view", "procedure", "function", "trigger"):
                continue
            try:
                self._read_dependencies(obj)
            except Exception as error:  # noqa: BLE001 - one unreadable body must not stop the estate
                self.finding("error", f"cannot read the dependencies of {obj.source}: {type(error).__name__}: {error}", obj.file, obj.line, obj.source)
        self.catalog.objects = list(self.objects.values())
        self.catalog.data = list(self.data.values())
        self.catalog.findings.extend(dependency_findings(self.catalog))
        return self.catalog

    def _record_losses(self) -> None:
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

    def _resolve_types(self) -> None:
        """Columns and parameters of an alias type get its base type (`dbo.Phone` -> `varchar(20)`)."""
        if not self.types:
            return
        for obj in self.objects.values():
            for column in obj.columns:
                resolved = self._base_type(column.data_type)
                if resolved is not None:
                    column.data_type = resolved[0]
                    column.nullable = column.nullable and resolved[1]
            for parameter in obj.parameters:
                resolved = self._base_type(parameter[1])
                parameter[1] = resolved[0] if resolved is not None else parameter[1]

    def _base_type(self, data_type: str) -> tuple[str, bool] | None:
        if not data_type or "(" in data_type:
            return None
        return self.types.get(object_key(*schema_and_name(data_type.split("."))))

    def _apply_property(self, prop: _Property) -> None:
        levels = dict(prop.target)
        schema = levels.get("SCHEMA") or "dbo"
        owner = next((name for kind, name in prop.target if kind not in ("SCHEMA", "COLUMN", "PARAMETER")), None)
        target = self.objects.get(object_key(schema, owner if owner else schema))
        if target is None:
            named = ".".join(name for _, name in prop.target)
            self.finding("warning", f"MS_Description for an unknown object {named} ignored", prop.file, prop.line)
            return
        column_name = levels.get("COLUMN")
        if column_name is None:
            target.description = prop.value
            return
        column = next((c for c in target.columns if c.name.lower() == column_name.lower()), None)
        if column is None:
            self.finding("warning", f"MS_Description for an unknown column {target.source}.{column_name} ignored", prop.file, prop.line, target.source)
            return
        column.description = prop.value

    def _read_dependencies(self, obj: SourceObject) -> None:
        header = parse_module_header(tokenize(obj.body))
        if header is None or header.body_start is None:
            return
        body = obj.body[header.body_start :]
        lines = LineIndex(obj.body, obj.line or 1)
        if obj.kind == "view":
            statements = self._view_statement(obj, body, lines.line(header.body_start))
        else:
            statements, errors = body_statements(body)
            for message, offset in errors:
                self.finding("error", f"{obj.source}: {message}", obj.file, lines.line(header.body_start + offset), obj.source)
        reads, writes, calls = statement_dependencies(statements)
        obj.reads, obj.writes, obj.calls = reads, writes, calls
        named: dict[str, list[str]] = {}
        for statement in statements:
            for table in statement.find_all(exp.Table):
                parts = [part.name for part in table.parts]
                named.setdefault(".".join(parts).lower(), parts)
        for parts in named.values():
            self._check_database(obj, parts, obj.file, obj.line)

    def _view_statement(self, obj: SourceObject, body: str, line: int) -> list[exp.Expression]:
        try:
            return [e for e in sqlglot.parse(body, read="tsql") if e is not None]
        except SqlglotError as error:
            message = str(error).splitlines()[0]
            self.finding("warning", f"cannot parse the view {obj.source}: {message}", obj.file, line, obj.source)
            return []
