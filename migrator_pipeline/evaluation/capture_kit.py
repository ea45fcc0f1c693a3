"""The capture kit: a read-only T-SQL script, and the `bcp` commands that run it, with which a
user exports SQL Server's reference rows into the `expected/` folder the tester reads.

What it exports:
- every view's rows, and every table a procedure loads as it is now, to
  `expected/<schema>.<object>.csv` (see `expected_rows.read_expected_file`);
- every source table's row count, to `expected/row_counts.csv` (`schema,table,rows`), which the
  tester compares with the raw copy it loaded.

Every statement is one SELECT. Each returns ONE column, a whole CSV line, built in T-SQL, so
that `bcp queryout -c` writes it verbatim and the file is exactly the tester's dialect:
- a header row of the object's column names, then one line per row; fields separated by `,`;
- a string is always quoted (`"`, doubled inside), so commas, quotes and newlines survive;
- NULL is an empty field; an empty string is `""`, which the tester reads as NULL too (a CSV
  cannot tell them apart: see `ExpectedResult.empty_is_null`);
- numbers as SQL Server spells them: decimal at its full scale (`12.50`), money with its four
  decimals (style 2: `12.5000`, never the default two), float and real with every digit
  (style 3: lossless), bit as 1/0;
- date as `yyyy-mm-dd` (style 23); datetime, datetime2, smalldatetime, datetimeoffset and time
  in ODBC canonical form with all their fractional digits (style 121);
- binary as `0x…` (style 1), uniqueidentifier as text.
Which conversion a column gets depends on its SQL Server type: from the catalog, otherwise from
the type the built model has in PostgreSQL (`column_types.json`), otherwise it is written as text
and the kit says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp

from migrator_pipeline.atomic_files import write_text_atomically
from migrator_pipeline.catalog.model import Catalog, SourceObject
from migrator_pipeline.evaluation.expected_rows import (
    EXPECTED_FOLDER,
    ROW_COUNTS_FILE,
    ROW_COUNTS_HEADER,
    compared_model,
)
from migrator_pipeline.planning.model import MigrationPlan
from migrator_pipeline.tsql.identifiers import bracketed, fold_identifier, spelling_names

COUNTS_PER_QUERY = 100  # tables counted by one query: keeps each bcp command line short
KIT_FOLDER = "capture_kit"

_TEXT = "text"
# how a column's value becomes CSV text, by SQL Server type: the CONVERT style, or a family
_FAMILY_OF_TYPE = {
    **dict.fromkeys(("tinyint", "smallint", "int", "bigint", "bit", "decimal", "numeric"), "number"),
    **dict.fromkeys(("money", "smallmoney"), "money"),
    **dict.fromkeys(("float", "real"), "float"),
    "date": "date",
    **dict.fromkeys(("datetime", "datetime2", "smalldatetime", "datetimeoffset", "time"), "datetime"),
    **dict.fromkeys(("binary", "varbinary", "image", "timestamp", "rowversion"), "binary"),
    "uniqueidentifier": "plain",
    **dict.fromkeys(("geography", "geometry"), "spatial"),
    "hierarchyid": "hierarchyid",
}
# the same, from the type PostgreSQL built (format_type's spelling), when SQL Server's is unknown
_FAMILY_OF_POSTGRES = [
    (re.compile(r"^(smallint|integer|bigint|numeric|boolean)\b"), "number"),
    (re.compile(r"^(real|double precision)$"), "float"),
    (re.compile(r"^date$"), "date"),
    (re.compile(r"^(timestamp|time)\b"), "datetime"),
    (re.compile(r"^bytea$"), "binary"),
    (re.compile(r"^uuid$"), "plain"),
]


@dataclass
class KitColumn:
    name: str  # as SQL Server names it
    family: str  # how its value is written: see _field
    known: bool = True  # False: no type was known, written as text


@dataclass
class CaptureQuery:
    """One SELECT and the file its lines go to."""

    file: str  # relative to the source folder: expected/<schema>.<object>.csv
    sql: str  # one line of T-SQL
    describes: str  # what it exports, for the comments
    append: bool = False  # row counts: a chunk appended under the header the script writes


@dataclass
class CaptureKit:
    project: str
    queries: list[CaptureQuery] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # objects left out, columns written as text


# ---------------------------------------------------------------- T-SQL text


def _string_literal(text: str) -> str:
    """A T-SQL national string literal, by sqlglot: `N'it''s'`."""
    return exp.National(this=text).sql(dialect="tsql")


def csv_field(text: str) -> str:
    """A header field: always quoted, quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def _quoted(expression: str) -> str:
    """A string value as a quoted CSV field (NULL stays NULL). CHAR(34) is `"`: no double quote
    appears in the command line that carries the query."""
    return f"CHAR(34) + REPLACE({expression}, CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34)"


# families written unquoted, as CONVERT(nvarchar(max), <column>[, style]): the style of each
# https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql
_CONVERT_STYLE = {"number": None, "plain": None, "money": 2, "float": 3, "date": 23, "datetime": 121}
# families written as a quoted string: the T-SQL text of the value
_AS_TEXT = {"spatial": "{}.STAsText()", "hierarchyid": "{}.ToString()"}


def _field(column: KitColumn) -> str:
    """T-SQL for one column's value as CSV text, NULL for NULL."""
    c = bracketed(column.name)
    family = column.family
    if family in _CONVERT_STYLE:
        style = _CONVERT_STYLE[family]
        return f"CONVERT(nvarchar(max), {c})" if style is None else f"CONVERT(nvarchar(max), {c}, {style})"
    if family == "binary":
        return f"CONVERT(nvarchar(max), CONVERT(varbinary(max), {c}), 1)"
    return _quoted(_AS_TEXT.get(family, "CONVERT(nvarchar(max), {})").format(c))


def csv_line(columns: list[KitColumn]) -> str:
    """T-SQL for a whole CSV line of a row. A NULL field is empty; a one-column NULL is `""`,
    because bcp writes an empty string as a NUL byte and an empty line would be no row."""
    fields = [f"ISNULL({_field(c)}, N'')" for c in columns]
    if len(columns) == 1:
        return f"ISNULL({_field(columns[0])}, CHAR(34) + CHAR(34))"
    return " + N',' + ".join(fields)


def rows_query(obj: SourceObject, columns: list[KitColumn]) -> str:
    """The header line, then one line per row of the object, as a single column."""
    header = ",".join(csv_field(c.name) for c in columns)
    return (f"SELECT [line] FROM (SELECT 0 AS [part], {_string_literal(header)} AS [line] "
            f"UNION ALL SELECT 1, {csv_line(columns)} FROM {bracketed(obj.schema)}.{bracketed(obj.name)}) "
            "AS [capture] ORDER BY [part]")


def counts_query(tables: list[SourceObject]) -> str:
    """`"schema","table",rows` lines, one per table, exact (COUNT_BIG, not sys.partitions'
    approximate counts)."""
    parts = [f"SELECT {_string_literal(csv_field(t.schema) + ',' + csv_field(t.name) + ',')} + "
             f"CONVERT(nvarchar(max), COUNT_BIG(*)) AS [line] FROM {bracketed(t.schema)}.{bracketed(t.name)}"
             for t in tables]
    return f"SELECT [line] FROM ({' UNION ALL '.join(parts)}) AS [counts]"


# ---------------------------------------------------------------- which objects, which columns


def _family(sql_type: str | None, built_type: str | None) -> tuple[str, bool]:
    if sql_type:
        name = sql_type.replace("[", "").replace("]", "").split("(")[0].strip().lower()
        return _FAMILY_OF_TYPE.get(name, _TEXT), True
    if built_type:
        family = next((f for pattern, f in _FAMILY_OF_POSTGRES if pattern.match(built_type.lower())), _TEXT)
        return family, True
    return _TEXT, False


def kit_columns(obj: SourceObject, plan: MigrationPlan, built: dict[str, str]) -> list[KitColumn]:
    """The object's output columns as SQL Server names them, with how each is written. From the
    catalog when it knows them (tables; views from SSDT, .dacpac or a live server), less the ones
    the plan's name mapping says no model produces; otherwise the view's output columns as the
    planner read them, typed by what PostgreSQL built."""
    mapped = plan.names.get(obj.source, {}).get("columns") or {}
    if obj.columns:
        # a loaded table: only the columns its model produces (not an identity SQL Server generated)
        kept = [c for c in obj.columns if not mapped or mapped.get(c.name) is not None]
        return [KitColumn(c.name, *_family(c.data_type, built.get(fold_identifier(c.name)))) for c in kept]
    return [KitColumn(name, *_family(None, built.get(folded or fold_identifier(name))))
            for name, folded in mapped.items()]


def _built_types(plan: MigrationPlan, catalog: Catalog, obj: SourceObject,
                 types: dict[str, dict[str, str]]) -> dict[str, str]:
    model = compared_model(plan, catalog, obj.key)
    return types.get(f"{plan.project}.{model.name}", {}) if model else {}


def captured_objects(catalog: Catalog, plan: MigrationPlan) -> list[SourceObject]:
    """Every view, and every table a migrated procedure loads, in catalog order."""
    return [obj for obj in catalog.objects
            if obj.kind == "view" or (obj.kind == "table" and compared_model(plan, catalog, obj.key) is not None)]


def capture_kit(catalog: Catalog, plan: MigrationPlan, types: dict[str, dict[str, str]] | None = None) -> CaptureKit:
    """The kit for a migrated project: one query per captured object, then the row counts.
    `types` are the built column types (`column_types.json`), for views the catalog cannot type."""
    kit = CaptureKit(plan.project)
    for obj in captured_objects(catalog, plan):
        with spelling_names(plan.spellings):  # built columns are named as the plan named them
            columns = kit_columns(obj, plan, _built_types(plan, catalog, obj, types or {}))
        if not columns:
            kit.notes.append(f"{obj.source}: left out, its columns are not known (the view was not read)")
            continue
        untyped = [c.name for c in columns if not c.known]
        if untyped:
            kit.notes.append(f"{obj.source}: type unknown, written as text: {', '.join(untyped)}")
        what = "rows of the view" if obj.kind == "view" else "current rows of the table a procedure loads"
        kit.queries.append(CaptureQuery(f"{EXPECTED_FOLDER}/{obj.schema}.{obj.name}.csv",
                                        rows_query(obj, columns), f"{obj.source}: {what}"))
    tables = catalog.of_kind("table")
    for start in range(0, len(tables), COUNTS_PER_QUERY):
        chunk = tables[start:start + COUNTS_PER_QUERY]
        kit.queries.append(CaptureQuery(f"{EXPECTED_FOLDER}/{ROW_COUNTS_FILE}", counts_query(chunk),
                                        f"row counts of {len(chunk)} source tables", append=True))
    return kit


# ---------------------------------------------------------------- the files


def render_script(kit: CaptureKit) -> str:
    """capture.sql: every query, read-only, for review or to run by hand (SSMS, sqlcmd)."""
    lines = [f"-- migrator capture kit for project {kit.project}: read-only, every statement is one SELECT.",
             "-- Each returns one column of CSV lines; run them with capture.sh (bcp), which writes",
             "-- each result to the file named above it, in the expected/ folder the tester reads.",
             "-- Needs SQL Server 2016 or later (CONVERT style 3 for lossless float text).", ""]
    lines += [f"-- {note}" for note in kit.notes]
    for query in kit.queries:
        lines += ["", f"-- {query.describes} -> {query.file}" + (" (appended)" if query.append else ""),
                  query.sql + ";"]
    return "\n".join(lines) + "\n"


BCP_OPTIONS = ["-c", "-r", "\\n"]  # character mode, LF line ends; one column, so no field terminator


def render_shell(kit: CaptureKit) -> str:
    """capture.sh: the bcp commands, for bash (Linux, macOS, WSL, Git Bash)."""
    lines = [
        "#!/usr/bin/env bash",
        f"# Exports SQL Server's reference rows for migrator project {kit.project} into ./expected/.",
        "# Read-only: each bcp runs one SELECT from capture.sql (queries/*.sql hold them one by one).",
        "# Usage: SERVER=host,1433 DATABASE=SalesDW ./capture.sh   (Windows login: AUTH=-T;",
        "#        SQL login: AUTH='-U reader' and the password in BCP_PASSWORD; BCP_EXTRA='-u' trusts the",
        "#        server certificate with bcp 18; on Windows add BCP_EXTRA='-C 65001' for UTF-8)",
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
        ': "${SERVER:?set SERVER to the SQL Server host (host,port or host\\\\instance)}"',
        ': "${DATABASE:?set DATABASE to the source database}"',
        'AUTH="${AUTH:--T}"',
        'BCP_EXTRA="${BCP_EXTRA:-}"',
        'if [ -n "${BCP_PASSWORD:-}" ]; then AUTH="$AUTH -P $BCP_PASSWORD"; fi',
        "mkdir -p expected",
        f"printf '%s\\n' '{','.join(ROW_COUNTS_HEADER)}' > expected/{ROW_COUNTS_FILE}",
        "run() {  # run <query file> <output file>",
        '  # shellcheck disable=SC2086',
        f'  bcp "$(cat "$1")" queryout "$2" {" ".join(_shell_word(o) for o in BCP_OPTIONS)} '
        '-S "$SERVER" -d "$DATABASE" $AUTH $BCP_EXTRA >/dev/null',
        "}",
        "chunk=$(mktemp)",
        "trap 'rm -f \"$chunk\"' EXIT",
    ]
    for number, query in enumerate(kit.queries, start=1):
        source = f"queries/{number:04d}.sql"
        lines.append(f"echo {_shell_word(query.describes)}")
        if query.append:
            lines.append(f'run {source} "$chunk" && cat "$chunk" >> {_shell_word(query.file)}')
        else:
            lines.append(f"run {source} {_shell_word(query.file)}")
    lines.append("echo \"done: copy expected/ beside the scripts you migrate, then run migrator migrate again\"")
    return "\n".join(lines) + "\n"


def _shell_word(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def write_capture_kit(kit: CaptureKit, folder: Path) -> list[Path]:
    """capture.sql, capture.sh and queries/NNNN.sql (one SELECT each, as bcp takes it)."""
    queries = folder / "queries"
    queries.mkdir(parents=True, exist_ok=True)
    for old in queries.glob("*.sql"):
        old.unlink()
    written = []
    for number, query in enumerate(kit.queries, start=1):
        path = queries / f"{number:04d}.sql"
        write_text_atomically(path, query.sql + "\n")
        written.append(path)
    script, shell = folder / "capture.sql", folder / "capture.sh"
    write_text_atomically(script, render_script(kit))
    write_text_atomically(shell, render_shell(kit))
    shell.chmod(0o755)
    return [script, shell, *written]
