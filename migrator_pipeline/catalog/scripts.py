"""Read a folder of `.sql` scripts (or one script) into a Catalog.

How a script is read:
- decoded as UTF-8 (with or without BOM) or UTF-16 with a BOM; CRLF becomes LF;
- split into `GO` batches, and batches into statements (`catalog.batches`);
- `CREATE TABLE` is read from tokens, not by sqlglot: sqlglot rewrites data types
  (`int` -> `INTEGER`) and gives up on storage clauses such as `TEXTIMAGE_ON`, while the
  catalog keeps types as written;
- views, procedures, functions and triggers keep their whole statement as `body`; their
  dependencies come from sqlglot's parse of the body (`tsql.procedures`);
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

import codecs
import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import defusedxml
import defusedxml.ElementTree
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.catalog.batches import (
    LineIndex,
    Statement,
    Token,
    expand_rows,
    script_batches,
    split_statements,
    tokenize,
)
from migrator_pipeline.catalog.dependencies import dependency_findings
from migrator_pipeline.catalog.model import Catalog, Column, Finding, ForeignKey, SourceObject, TableData, object_key
from migrator_pipeline.catalog.values import (
    DEFAULT,
    ConversionError,
    NotLiteral,
    Value,
    cast,
    column_converter,
    convert,
    default_value,
    normalise_date_literal,
    number_value,
    read_value,
    type_parts,
)
from migrator_pipeline.tsql.procedures import (
    ModuleHeader,
    body_statements,
    data_type_at,
    matching_paren,
    multipart_name,
    parse_module_header,
    schema_and_name,
    split_commas,
    table_key,
)

# statements of deployment scripts that carry nothing for the catalog
_IGNORED_VERBS = frozenset(
    "SET USE DROP PRINT GRANT DENY REVOKE IF ELSE BEGIN COMMIT ROLLBACK RAISERROR".split()
)
_TABLE_CONSTRAINTS = frozenset({"PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "PERIOD"})
_COMPUTED_END = frozenset({"PERSISTED", "CONSTRAINT", "NOT", "NULL", "PRIMARY", "UNIQUE"})


# SQLCMD: a `:command` at the start of a line, `$(NAME)` anywhere
_SQLCMD_LINE = re.compile(r"^[ \t]*:([A-Za-z]+)\b(.*)$")
# searched in "\n" + text: a pattern that starts with a plain character is scanned for
# ~10x faster than `^` under re.M, which matters on data scripts of many megabytes
_SQLCMD_LINE_START = re.compile(r"\n[ \t]*:[A-Za-z]+\b")
_VARIABLE = re.compile(r"\$\(([A-Za-z_][\w\-]*)\)")
_SETVAR = re.compile(r"^\s+([A-Za-z_][\w\-]*)(.*)$")
_DATEFORMATS = ("mdy", "dmy", "ymd", "ydm", "myd", "dym")
# GETDATE() in a default or a VALUES list is when SQL Server ran the script; here, when this
# process first read a source: one instant, so that two reads of one estate give the same rows
READ_TIME = datetime.now().replace(microsecond=0)
# SQL Server's @@DBTS in a new database: the first rowversion it hands out is one more
_FIRST_ROWVERSION = 2001
__all__ = ["SourceError", "normalise_date_literal", "read_catalog", "statement_dependencies", "write_targets"]
# EXEC of system procedures that define something for the catalog
_EXTENDED_PROPERTY = ("@name", "@value", "@level0type", "@level0name", "@level1type", "@level1name", "@level2type", "@level2name")
_ADDTYPE = ("@typename", "@phystype", "@nulltype")
_DYNAMIC_CREATE = re.compile(
    r"\b(?:CREATE|ALTER)\s+(?:OR\s+ALTER\s+)?(?:TABLE|VIEW|PROC|PROCEDURE|FUNCTION|TRIGGER|TYPE|SEQUENCE|SYNONYM|SCHEMA)\s+"
    r"((?:\[[^\]]+\]|\w+)(?:\s*\.\s*(?:\[[^\]]+\]|\w+))*)",
    re.I,
)


def _has_sqlcmd_lines(text: str) -> bool:
    return _SQLCMD_LINE_START.search("\n" + text) is not None


class SourceError(Exception):
    """The source cannot be read at all: missing, or not a .sql file or folder."""


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
class _AlterTable:
    table: str
    tokens: list[Token]
    text: str
    file: str
    line: int


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


def _string_value(tokens: list[Token]) -> str | None:
    """The text of a string literal (or of `'a' + N'b'`), or None when it is anything else."""
    if not tokens or len(tokens) % 2 == 0:
        return None
    pieces = []
    for k, token in enumerate(tokens):
        if k % 2 == 1:
            if token.text != "+":
                return None
            continue
        is_literal, value = _literal([token])
        if not is_literal or token.kind != "string" or value is None:
            return None
        pieces.append(value)
    return "".join(pieces)


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
        is_literal, value = _literal(value_tokens)
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
    scripts = [source] if source.is_file() else _project_scripts(root, project)
    included = set() if source.is_file() else reader.included_files(scripts)
    scripts = [s for s in scripts if s.resolve() not in included]
    if not scripts:
        reader.finding("error", "no .sql files found")
    for script in scripts:
        reader.read_top_script(script)
    data_root = source.parent / "data" if source.is_file() else root
    for csv_file in _files(data_root, ".csv"):
        if csv_file.parent.name.lower() == "data" or source.is_file():
            reader.read_csv(csv_file)
    return reader.finish()


# ---------------------------------------------------------------- SSDT projects


@dataclass
class SqlProject:
    """What a `*.sqlproj` file says about the scripts beside it."""

    build: list[Path] = field(default_factory=list)
    pre_deploy: list[Path] = field(default_factory=list)
    post_deploy: list[Path] = field(default_factory=list)
    excluded: set[Path] = field(default_factory=set)  # <None>, <Content>, <Build Remove>
    variables: dict[str, str] = field(default_factory=dict)  # <SqlCmdVariable> defaults
    names: set[str] = field(default_factory=set)  # database names the project goes by
    collation: str | None = None  # <DefaultCollation>: the database's, which comparisons follow
    findings: list[Finding] = field(default_factory=list)


def read_project(root: Path) -> SqlProject:
    """The first `*.sqlproj` directly in root (an empty SqlProject when there is none)."""
    project = SqlProject()
    found = sorted(p for p in root.glob("*") if p.is_file() and p.suffix.lower() == ".sqlproj")
    if not found:
        return project
    path = found[0]
    project.names.add(path.stem.lower())
    try:
        tree = defusedxml.ElementTree.parse(path)  # no entity expansion, no external entities
    except (ElementTree.ParseError, defusedxml.DefusedXmlException, OSError) as error:
        project.findings.append(Finding("error", f"cannot read the project file, all .sql files read: {error}", path.name))
        return project
    for element in tree.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        include = (element.get("Include") or element.get("Remove") or "").strip()
        if tag in ("Name", "DatabaseName") and element.text:
            project.names.add(element.text.strip().lower())
        if tag == "DefaultCollation" and element.text and element.text.strip():
            project.collation = element.text.strip()
        if not include:
            continue
        if tag == "SqlCmdVariable":
            default = next((c.text or "" for c in element if c.tag.rsplit("}", 1)[-1] in ("DefaultValue", "Value")), "")
            project.variables[include] = default
            continue
        paths = [_local_path(root, part) for part in include.split(";") if part.strip()]
        if any(not is_inside(p, root) for p in paths):
            project.findings.append(Finding("error", f"{tag} item outside the source folder, not read: {include}", path.name))
            paths = [p for p in paths if is_inside(p, root)]
        if tag == "Build" and element.get("Remove"):
            project.excluded.update(paths)
        elif tag == "Build":
            project.build.extend(paths)
        elif tag == "PreDeploy":
            project.pre_deploy.extend(paths)
        elif tag == "PostDeploy":
            project.post_deploy.extend(paths)
        elif tag in ("None", "Content"):
            project.excluded.update(paths)
    return project


def is_inside(path: Path, root: Path) -> bool:
    """Whether a path, symbolic links followed, lies inside the source folder: nothing outside
    it (host files named by `BULK INSERT`, `:r ../..`, a project item, a link) is ever read."""
    return path.resolve().is_relative_to(root.resolve())


def _local_path(base: Path, written: str) -> Path:
    """A path written in a project or `:r` (Windows separators, any case) under base, resolved."""
    path = base
    for part in written.strip().strip('"').replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        candidate = path / part
        if not candidate.exists() and path.is_dir():
            # Windows file systems ignore case; projects written there often disagree with the disk
            candidate = next((c for c in path.iterdir() if c.name.lower() == part.lower()), candidate)
        path = candidate
    return path.resolve()


def _project_scripts(root: Path, project: SqlProject) -> list[Path]:
    """Pre-deployment scripts, then every other .sql file in path order, then post-deployment.

    Files a project lists as <Build> and files it does not list are both read (nothing in
    the folder goes unreported); only <None>, <Content> and <Build Remove> files are left out.
    """
    skipped_dirs = {"bin", "obj"} if project.names else set()
    scripts = [
        p for p in _files(root, ".sql")
        if not skipped_dirs.intersection(part.lower() for part in p.relative_to(root).parts[:-1])
    ]
    excluded = project.excluded - set(project.build)
    ordered_first = [p for p in project.pre_deploy if p.exists()]
    ordered_last = [p for p in project.post_deploy if p.exists()]
    special = set(ordered_first) | set(ordered_last) | excluded
    middle = [p for p in scripts if p.resolve() not in special]
    return ordered_first + middle + ordered_last


def _files(root: Path, suffix: str) -> list[Path]:
    if not root.is_dir():
        return []
    found = [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() == suffix and is_inside(p, root)]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def decode_script(raw: bytes) -> str:
    """Script bytes as text: UTF-8 (BOM optional) or UTF-16 with a BOM. Raises UnicodeDecodeError."""
    if raw.startswith(codecs.BOM_UTF8):
        text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16")
    else:
        text = raw.decode("utf-8")
    if "\x00" in text:
        raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL characters: binary or UTF-16 without a BOM")
    return text.replace("\r\n", "\n")


def _strip_parens(tokens: list[Token]) -> list[Token]:
    while len(tokens) > 2 and tokens[0].text == "(" and matching_paren(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def _span(text: str, tokens: list[Token]) -> str:
    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def _name_list(tokens: list[Token], i: int) -> tuple[list[str], int]:
    """`(a [ASC], b)` at or after token i: the names, and the index past the `)`."""
    while i < len(tokens) and tokens[i].text != "(":
        i += 1
    close = matching_paren(tokens, i) if i < len(tokens) else -1
    if close < 0:
        return [], len(tokens)
    return [piece[0].name for piece in split_commas(tokens[i + 1 : close])], close + 1


def _literal(tokens: list[Token]) -> tuple[bool, str | None]:
    """A VALUES item as COPY text: (True, value) or (False, None) when it is not a literal."""
    if len(tokens) == 2 and tokens[0].text in "+-" and tokens[1].kind == "number":
        return True, tokens[1].text if tokens[0].text == "+" else "-" + tokens[1].text
    if len(tokens) != 1:
        return False, None
    token = tokens[0]
    if token.kind == "string":
        quoted = token.text[1:] if token.text[0] in "Nn" else token.text
        return True, quoted[1:-1].replace("''", "'")
    if token.kind == "number":
        return True, token.text
    if token.kind == "hex":
        return True, "\\x" + token.text[2:]
    if token.upper == "NULL":
        return True, None
    return False, None


def _is_rows_insert(statement: Statement) -> bool:
    """`INSERT ... VALUES` whose only "rows" token (literal rows, see `batches.lex`) is its end.

    The VALUES before the rows must be the keyword, not the table's name: `INSERT [INTO]
    [dbo.]VALUES (1)` reads `(1)` as a column list, so it is read from plain tokens.
    """
    tokens = statement.tokens
    if statement.verb != "INSERT" or tokens[-1].kind != "rows" or any(t.kind == "rows" for t in tokens[:-1]):
        return False
    name_start = 2 if tokens[1].upper == "INTO" else 1
    return len(tokens) - 2 > name_start and tokens[-3].text != "."


# A value of a "rows" token, whose grammar the lexer has checked: what `_literal` makes of it.
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


# ---------------------------------------------------------------- BULK INSERT files


def _bulk_options(tokens: list[Token]) -> dict[str, str | None]:
    """`WITH (FIELDTERMINATOR = ',', KEEPNULLS, ...)` as upper-case names -> literal text."""
    options: dict[str, str | None] = {}
    start = next((k for k, t in enumerate(tokens) if t.text == "("), None)
    close = matching_paren(tokens, start) if start is not None else -1
    if close < 0:
        return options
    for piece in split_commas(tokens[start + 1 : close]):
        name = piece[0].upper
        if len(piece) > 2 and piece[1].text == "=":
            is_literal, value = _literal(piece[2:])
            options[name] = value if is_literal else piece[2].text
        else:
            options[name] = None
    return options


def _bulk_file(script: Path, written: str, root: Path) -> Path | None:
    """The data file: as written, beside the script, or by file name beside the script or in data/,
    only ever inside the source folder."""
    name = re.split(r"[\\/]", written)[-1]
    folder = script.parent
    candidates = [Path(written), folder / written.replace("\\", "/"), folder / name, folder / "data" / name, root / name, root / "data" / name]
    return next((c for c in candidates if name and is_inside(c, root) and c.is_file()), None)


def _outside(script: Path, written: str, root: Path) -> bool:
    """A BULK INSERT path that names a place outside the source folder (`/etc/passwd`, `../x`)."""
    as_written = Path(written) if Path(written).is_absolute() else script.parent / written
    return not is_inside(as_written, root)


def _terminator(written: str | None, default: str) -> str:
    if not written:
        return default
    if written.lower().startswith("0x"):
        return bytes.fromhex(written[2:]).decode("latin-1")
    return written.replace("\\r", "").replace("\\n", "\n").replace("\\t", "\t").replace("\\0", "\0")


def _bulk_encoding(options: dict[str, str | None]) -> str:
    if (options.get("DATAFILETYPE") or "").lower() in ("widechar", "widenative"):
        return "utf-16"
    codepage = (options.get("CODEPAGE") or "65001").upper()
    named = {"65001": "utf-8-sig", "ACP": "cp1252", "OEM": "cp437", "RAW": "latin-1"}
    return named.get(codepage, f"cp{codepage}")


def _csv_records(text: str, delimiter: str, quote: str) -> tuple[list[list[str]], list[int]]:
    """The non-empty records of CSV text, and the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote)
    records, lines = [], []
    line = 1
    for record in reader:
        if record:
            records.append(record)
            lines.append(line)
        line = reader.line_num + 1
    return records, lines


def _terminated_records(text: str, field_end: str, row_end: str, fields: int) -> tuple[list[list[str]], list[int]]:
    """Records read field by field, as BULK INSERT reads them: `fields - 1` field terminators,
    then the row terminator."""
    records: list[list[str]] = []
    lines: list[int] = []
    position, line, end_of_text = 0, 1, len(text)
    while position < end_of_text:
        record, first_line = [], line
        for index in range(fields):
            terminator = row_end if index == fields - 1 else field_end
            end = text.find(terminator, position)
            end = end_of_text if end < 0 else end
            record.append(text[position:end])
            line += text.count("\n", position, min(end + len(terminator), end_of_text))
            position = end + len(terminator)
            if end == end_of_text:
                break
        if record != [""]:
            records.append(record)
            lines.append(first_line)
    return records, lines


def _bulk_rows(raw: bytes, options: dict[str, str | None], fields: int | None = None) -> tuple[list[list[str | None]], list[int]]:
    """Rows of a BULK INSERT data file (an empty field is NULL: None), and the line of each.

    Like BULK INSERT, a row is `fields` fields: every field but the last ends at the field
    terminator, so a row terminator inside one is data (a comment with a line break)."""
    text = raw.decode(_bulk_encoding(options)).lstrip("\ufeff").replace("\r\n", "\n")
    field_end = _terminator(options.get("FIELDTERMINATOR"), "\t")
    row_end = _terminator(options.get("ROWTERMINATOR"), "\n")
    if (options.get("FORMAT") or "").upper() == "CSV" and len(field_end) == 1:
        quote = options.get("FIELDQUOTE") or '"'
        records, lines = _csv_records(text, field_end, quote[:1])
    else:
        records = [line.split(field_end) for line in text.split(row_end)]
        lines = list(range(1, len(records) + 1))
        kept = [k for k, record in enumerate(records) if record and record != [""]]
        records, lines = [records[k] for k in kept], [lines[k] for k in kept]
        if fields and any(len(record) != fields for record in records):
            records, lines = _terminated_records(text, field_end, row_end, fields)
    first = int(options.get("FIRSTROW") or 1)
    last = int(options.get("LASTROW") or 0) or len(records)
    # bcp's character format: an empty field is NULL, a lone NUL character an empty string
    rows = [[None if value == "" else "" if value == "\0" else value for value in record] for record in records[first - 1 : last]]
    return rows, lines[first - 1 : last]


_INTEGER = re.compile(r"^-?\d+$")
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
        self.fixed_variables = fixed  # given on the command line: :setvar does not change them
        self.databases: set[str] = set()  # names of the current database (USE, project name)
        self.objects: dict[str, SourceObject] = {}
        self.alters: list[_AlterTable] = []
        self.inserts: list[_Insert] = []
        self.data: dict[str, TableData] = {}
        self.types: dict[str, tuple[str, bool]] = {}  # alias type key -> (base type, nullable)
        self.properties: list[_Property] = []
        self.dateformat = "mdy"
        self.bulk_files: set[Path] = set()
        # storing rows as SQL Server does: the session's IDENTITY_INSERT tables, each table's
        # identity spec and counter, computed defaults, the database's rowversion counter
        self.identity_insert: set[str] = set()
        self.identity_specs: dict[str, tuple[int, int]] = {}
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

    # ------------------------------------------------------------ scripts and SQLCMD

    def included_files(self, scripts: list[Path]) -> set[Path]:
        """Files some script includes with `:r`: they are read where they are included, not on their own."""
        included: set[Path] = set()
        for script in scripts:
            text = self._decode(script, None)
            if text is None or not _has_sqlcmd_lines(text):
                continue
            variables = dict(self.seed_variables)
            for line in text.split("\n"):
                directive = _SQLCMD_LINE.match(line)
                if directive is None:
                    continue
                command, argument = directive.group(1).lower(), directive.group(2)
                if command == "setvar":
                    self._setvar(argument, variables, None, None)
                elif command == "r":
                    written = _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), argument)
                    included.add(_local_path(script.resolve().parent, written))
        return included

    def read_top_script(self, path: Path) -> None:
        """A script as sqlcmd runs it: a session of its own (variables, DATEFORMAT, IDENTITY_INSERT)."""
        self.dateformat = "mdy"
        self.identity_insert = set()
        self.read_script(path, dict(self.seed_variables), ())

    def read_script(self, path: Path, variables: dict[str, str], including: tuple[Path, ...]) -> None:
        file = self.file_name(path)
        text = self._decode(path, file)
        if text is None:
            return
        if "$(" not in text and not _has_sqlcmd_lines(text):
            self._read_text(text, 1, file)  # no SQLCMD: the line by line pass below would change nothing
            return
        lines: list[str] = []
        first_line = 1
        for number, line in enumerate(text.split("\n"), 1):
            directive = _SQLCMD_LINE.match(line)
            if directive is None:
                lines.append(self._substitute(line, variables, file, number))
                continue
            lines.append("")  # keeps line numbers
            command, argument = directive.group(1).lower(), directive.group(2)
            if command == "setvar":
                self._setvar(argument, variables, file, number)
            elif command == "r":
                # an include ends the batch text before it: included files end their own batches
                self._read_text("\n".join(lines), first_line, file)
                lines, first_line = [], number + 1
                written = self._substitute(argument, variables, file, number)
                self._include(path, written, variables, including, file, number)
        self._read_text("\n".join(lines), first_line, file)

    def _decode(self, path: Path, file: str | None) -> str | None:
        try:
            return decode_script(path.read_bytes())
        except (UnicodeDecodeError, OSError) as error:
            if file is not None:
                self.finding("error", f"cannot read the file, skipped: {error}", file)
            return None

    def _substitute(self, line: str, variables: dict[str, str], file: str, number: int) -> str:
        if "$(" not in line:
            return line

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return variables[name]
            self.finding("error", f"undefined SQLCMD variable $({name})", file, number)
            return match.group(0)

        return _VARIABLE.sub(value, line)

    def _setvar(self, argument: str, variables: dict[str, str], file: str | None, number: int | None) -> None:
        match = _SETVAR.match(argument)
        if match is None:
            if file is not None:
                self.finding("warning", f":setvar without a variable name ignored: {argument.strip()}", file, number)
            return
        name, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('""', '"')
        if name not in self.fixed_variables:
            variables[name] = value

    def _include(self, path: Path, written: str, variables: dict[str, str], including: tuple[Path, ...], file: str, line: int) -> None:
        target = _local_path(path.resolve().parent, written)
        chain = including + (path.resolve(),)
        if Path(written.strip().strip('"')).is_absolute() or not is_inside(target, self.root):
            self.finding("error", f"included file outside the source folder, not read: {written.strip()}", file, line)
        elif target in chain:
            cycle = " -> ".join(self.file_name(p) for p in chain[chain.index(target) :] + (target,))
            self.finding("error", f"include cycle, not followed: {cycle}", file, line)
        elif not target.is_file():
            self.finding("error", f"included file not found: {written.strip()}", file, line)
        else:
            self.read_script(target, variables, chain)

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
            excerpt = " ".join(_span(text, tokens[:8]).split())[:80]
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
            self.alters.append(_AlterTable(key, statement.tokens, text, file, line))
            return
        obj = SourceObject(header.schema, header.name, header.kind, _span(text, statement.tokens), file, line)
        redefines = _redefines(statement.tokens)
        try:
            if header.kind == "table":
                self._read_table(obj, header, statement.tokens, text)
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
        body = _span(text, tokens)
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
            self._read_dynamic(_string_value(tokens[2:close]) if close > 0 else None, tokens, text, file, line)
            return
        parts, i = multipart_name(tokens, 1)
        if i < len(tokens) and tokens[i].text == "=" and parts and parts[0].startswith("@"):
            parts, i = multipart_name(tokens, i + 1)  # EXEC @rc = dbo.Proc
        procedure = parts[-1].lower() if parts else ""
        arguments = tokens[i:]
        if procedure == "sp_executesql":
            positional, named = _exec_arguments(arguments)
            statement = named.get("@stmt") or (positional[0] if positional else [])
            self._read_dynamic(_string_value(statement), tokens, text, file, line)
        elif procedure == "sp_addextendedproperty":
            self._read_extended_property(_arguments(arguments, _EXTENDED_PROPERTY), file, line)
        elif procedure == "sp_addtype":
            self._read_addtype(_arguments(arguments, _ADDTYPE), _span(text, tokens), file, line)
        else:
            self.finding("info", f"{tokens[0].upper} statement outside a module ignored", file, line)

    def _read_dynamic(self, sql: str | None, tokens: list[Token], text: str, file: str, line: int) -> None:
        """Dynamic SQL at script level: its string is read as a batch of its own."""
        if sql is not None:
            self._read_batch(sql, line, file)
            return
        created = _DYNAMIC_CREATE.search(_span(text, tokens))
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

    # ------------------------------------------------------------ tables

    def _read_table(self, table: SourceObject, header: ModuleHeader, tokens: list[Token], text: str) -> None:
        i = header.name_end
        close = matching_paren(tokens, i) if i < len(tokens) and tokens[i].text == "(" else -1
        if close < 0:
            self.finding("error", f"CREATE TABLE {table.source}: no complete column list (truncated?)", table.file, table.line, table.source)
            return
        for element in split_commas(tokens[i + 1 : close]):
            self._apply_element(table, element, text)

    def _apply_element(self, table: SourceObject, element: list[Token], text: str) -> None:
        first = element[0].upper
        if first == "CONSTRAINT" and len(element) > 2:
            self._apply_table_constraint(table, element[2:], element[1].name)
        elif first in _TABLE_CONSTRAINTS:
            self._apply_table_constraint(table, element, None)
        else:
            table.columns.append(self._column(table, element, text))

    def _apply_table_constraint(self, table: SourceObject, element: list[Token], name: str | None) -> None:
        kind = element[0].upper
        if kind == "PRIMARY":
            table.primary_key, _ = _name_list(element, 1)
            pk = {c.lower() for c in table.primary_key}
            for column in table.columns:
                column.nullable = column.nullable and column.name.lower() not in pk
        elif kind == "UNIQUE":
            table.unique_keys.append(_name_list(element, 1)[0])
        elif kind == "FOREIGN":
            columns, i = _name_list(element, 1)
            if i < len(element) and element[i].upper == "REFERENCES":
                table.foreign_keys.append(self._reference(columns, element, i + 1, name))

    @staticmethod
    def _reference(columns: list[str], tokens: list[Token], i: int, name: str | None) -> ForeignKey:
        parts, i = multipart_name(tokens, i)
        ref_schema, ref_table = schema_and_name(parts)
        ref_columns = _name_list(tokens, i)[0] if i < len(tokens) and tokens[i].text == "(" else []
        return ForeignKey(columns, ref_schema, ref_table, ref_columns, name)

    def _column(self, table: SourceObject, tokens: list[Token], text: str) -> Column:
        column = Column(tokens[0].name, "")
        if len(tokens) > 1 and tokens[1].upper == "AS":
            end = next((k for k in range(2, len(tokens)) if tokens[k].upper in _COMPUTED_END), len(tokens))
            column.computed = _span(text, _strip_parens(tokens[2:end]))
            i = end
        else:
            column.data_type, i = data_type_at(tokens, 1)
        while i < len(tokens):
            i = self._column_option(table, column, tokens, i, text)
        return column

    def _column_option(self, table: SourceObject, column: Column, tokens: list[Token], i: int, text: str) -> int:
        word = tokens[i].upper
        following = tokens[i + 1].upper if i + 1 < len(tokens) else ""
        if word == "NOT" and following == "NULL":
            column.nullable = False
            return i + 2
        if word == "NULL":
            column.nullable = True
        elif word == "IDENTITY":
            column.identity = True
            if i + 1 < len(tokens) and tokens[i + 1].text == "(":
                close = matching_paren(tokens, i + 1)
                spec = [_literal(piece)[1] for piece in split_commas(tokens[i + 2 : close])] if close > 0 else []
                if len(spec) == 2 and all(v is not None and _INTEGER.match(v) for v in spec):
                    self.identity_specs[table.key] = (int(spec[0]), int(spec[1]))
                return close + 1 if close > 0 else len(tokens)
        elif word == "CONSTRAINT":
            return i + 2
        elif word == "DEFAULT":
            end = self._expression_end(tokens, i + 1)
            column.default = _span(text, _strip_parens(tokens[i + 1 : end]))
            return end
        elif word == "PRIMARY":
            table.primary_key = [column.name]
            column.nullable = False
        elif word == "UNIQUE":
            table.unique_keys.append([column.name])
        elif word == "REFERENCES":
            foreign_key = self._reference([column.name], tokens, i + 1, None)
            table.foreign_keys.append(foreign_key)
            return i + 1
        elif word == "(":
            close = matching_paren(tokens, i)
            return close + 1 if close > 0 else len(tokens)
        return i + 1

    @staticmethod
    def _expression_end(tokens: list[Token], i: int) -> int:
        """The index past a DEFAULT expression: a (group), a signed literal, or a call."""
        if i >= len(tokens):
            return i
        if tokens[i].text == "(":
            close = matching_paren(tokens, i)
            return close + 1 if close > 0 else len(tokens)
        if tokens[i].text in "+-" and i + 1 < len(tokens):
            return i + 2
        if tokens[i].kind == "word" and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            close = matching_paren(tokens, i + 1)
            return close + 1 if close > 0 else len(tokens)
        return i + 1

    def _apply_alter(self, alter: _AlterTable) -> None:
        table = self.objects.get(alter.table)
        if table is None or table.kind != "table":
            self.finding("warning", f"ALTER TABLE of an unknown table {alter.table}", alter.file, alter.line)
            return
        header = parse_module_header(alter.tokens)
        rest = alter.tokens[header.name_end :]
        words = [t.upper for t in rest]
        if "ADD" not in words:
            if words[:2] not in (["CHECK", "CONSTRAINT"], ["NOCHECK", "CONSTRAINT"]):
                self.finding("info", f"ALTER TABLE {table.source} {' '.join(words[:2])} ignored", alter.file, alter.line, table.source)
            return
        for element in split_commas(rest[words.index("ADD") + 1 :]):
            self._apply_element(table, element, alter.text)

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
            columns, i = _name_list(tokens, i)
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

    def _read_bulk_insert(self, tokens: list[Token], file: str, line: int) -> None:
        """`BULK INSERT t FROM 'path' WITH (...)`: the file's rows, found beside the script."""
        parts, i = multipart_name(tokens, 2)
        if not parts or i + 1 >= len(tokens) or tokens[i].upper != "FROM" or tokens[i + 1].kind != "string":
            self.finding("warning", "BULK INSERT without a table and a file name ignored", file, line)
            return
        key = object_key(*schema_and_name(parts))
        written = _literal([tokens[i + 1]])[1] or ""
        options = _bulk_options(tokens[i + 2 :])
        path = _bulk_file(self.root / file, written, self.root)
        if path is None and _outside(self.root / file, written, self.root):
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
            rows, lines = _bulk_rows(path.read_bytes(), options, fields)
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
            records, lines = _csv_records(path.read_text(encoding="utf-8-sig"), ",", '"')
        except (UnicodeDecodeError, csv.Error, OSError) as error:
            self.finding("error", f"cannot read the CSV file, skipped: {error}", file, None, key)
            self.missing.setdefault(key, []).append(file)
            return
        if not records:
            self.finding("warning", "empty CSV file, skipped", file)
            return
        rows = [[value if value != "" else None for value in record] for record in records[1:]]
        self.inserts.append(_Insert(key, records[0], rows, file, 1, None, "csv", lines[1:], keep_identity=True))

    # ------------------------------------------------------------ finish

    def finish(self) -> Catalog:
        for alter in self.alters:
            self._apply_alter(alter)
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
        header = obj.header
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


# ---------------------------------------------------------------- dependencies


def write_targets(statement: exp.Expression) -> list[exp.Table]:
    """The table nodes a statement writes: INSERT/UPDATE/DELETE/MERGE/TRUNCATE targets and SELECT INTO."""
    if isinstance(statement, exp.Insert):
        target = statement.this
        target = target.this if isinstance(target, exp.Schema) else target
        return [target] if isinstance(target, exp.Table) else []
    if isinstance(statement, (exp.Update, exp.Merge)):
        return [_resolve_alias(statement, statement.this)] if isinstance(statement.this, exp.Table) else []
    if isinstance(statement, exp.Delete):
        named = statement.args.get("tables") or [statement.this]
        return [_resolve_alias(statement, t) for t in named if isinstance(t, exp.Table)]
    if isinstance(statement, exp.TruncateTable):
        return [t for t in statement.expressions if isinstance(t, exp.Table)]
    into = statement.args.get("into") if isinstance(statement, exp.Select) else None
    return [into.this] if into is not None and isinstance(into.this, exp.Table) else []


def _resolve_alias(statement: exp.Expression, target: exp.Table) -> exp.Table:
    """`UPDATE t ... FROM dbo.Table t`: the table node the alias `t` stands for."""
    if target.db:
        return target
    for table in statement.find_all(exp.Table):
        if table is not target and table.alias and table.alias.lower() == target.name.lower():
            return table
    return target


def statement_dependencies(statements: list[exp.Expression]) -> tuple[list[str], list[str], list[str]]:
    """(reads, writes, calls) object keys of statements, each in first-seen order."""
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    calls: dict[str, None] = {}
    for statement in statements:
        targets = write_targets(statement)
        # the alias a target was named by (`UPDATE c ... FROM dbo.Customers c`) is not a read either
        named = [statement.this] if isinstance(statement, (exp.Update, exp.Merge, exp.Delete)) else []
        named += statement.args.get("tables") or [] if isinstance(statement, exp.Delete) else []
        target_ids = {id(t) for t in targets + named}
        for table in targets:
            if (key := table_key(table)) is not None:
                writes[key] = None
        ctes = {cte.alias.lower() for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            if id(table) in target_ids or isinstance(table.parent, exp.Execute):
                continue
            if isinstance(table.this, exp.Func):
                calls[f"{table.db or 'dbo'}.{table.this.name}".lower()] = None
            elif (key := table_key(table)) is not None and (table.db or table.name.lower() not in ctes):
                reads[key] = None
        for node in statement.find_all(exp.Execute, exp.Dot):
            if (key := _called(node)) is not None:
                calls[key] = None
    return list(reads), list(writes), list(calls)


def _called(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Execute):
        return table_key(node.this) if isinstance(node.this, exp.Table) else None
    if isinstance(node.this, exp.Identifier) and isinstance(node.expression, exp.Anonymous):
        return object_key(node.this.name, node.expression.name)
    return None
