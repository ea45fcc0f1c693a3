"""Data validation: the rows of a migrated model against the rows SQL Server returns.

"Correct" means the same rows as SQL Server. When expected results are available, each
compared model's rows are fetched from PostgreSQL and compared with them as a MULTISET
(order ignored, duplicates counted). Values are compared EXACTLY; only their spelling is
normalised, by the kind of the model's column:
- numbers compare by value: '10' equals 10.000 and '1e1' equals 10, but 10.3333 never equals
  '10' (nothing is rounded to the expected text's scale); float columns compare as IEEE doubles
  (real ones as singles), so '0.1' equals the float 0.1;
- a column SQL Server returns as an integer must hold integers: a model column that returns a
  fraction where SQL Server's is an integer type is a mismatch, named in `type_differences`;
- booleans: SQL Server's bit 1/0 equals PostgreSQL's true/false;
- dates, times and timestamps compare as values: '2024-01-02 03:04:05.120' equals the datetime
  (datetime2's 100 ns are rounded to microseconds, as PostgreSQL rounds them when it stores them);
- NULL equals only NULL (or an empty CSV field, which cannot tell NULL from '');
- strings compare exactly: a case-insensitive collation compares case-insensitively, but
  returns values in the case they were stored in, so 'Smith' is not 'SMITH'.

Expected results come from
- `expected/<schema>.<object>.csv` beside a script source (header: the object's output columns
  as SQL Server names them, UTF-8, empty field = NULL), or
- a live SQL Server, by running `SELECT * FROM [schema].[view]` for every migrated view and
  `SELECT * FROM [schema].[table]` for every table a procedure produces (as it last left it).
`expected/row_counts.csv` (`schema,table,rows`) gives each source table's row count in SQL
Server; the evaluator fails a table whose raw copy holds another. `migrator capture-kit`
(capture_kit.py) writes the read-only script that exports all of these files.

The object compared is a view (against its model) or a table produced by a procedure (against
the model that now produces it). Expected columns are matched to the model's through
`fold_identifier`; a model column the expected result does not name is not compared. Anything
that cannot be compared becomes a Finding, or a match that failed with its reason, never a crash.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
import struct
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlglot import exp

from migrator_pipeline.catalog.model import Catalog, Finding, object_key
from migrator_pipeline.catalog.scripts import SourceError
from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel
from migrator_pipeline.serialisation import SavedAsJson
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.warehouse.connection import connect

MAX_SHOWN_ROWS = 10  # rows of each difference kept for the report
LIVE_ROW_LIMIT = 100_000  # a bigger result is not fetched from SQL Server to compare in memory
EXPECTED_FOLDER = "expected"
ROW_COUNTS_FILE = "row_counts.csv"  # in expected/: each source table's row count in SQL Server
ROW_COUNTS_HEADER = ["schema", "table", "rows"]

# ---------------------------------------------------------------- the evidence


@dataclass
class ExpectedResult:
    """The rows SQL Server returns for one object, as text (None is NULL)."""

    object: str  # object key
    source: str  # `schema.name` as in SQL Server
    columns: list[str]  # as SQL Server names them
    rows: list[list[str | None]]
    origin: str  # the file, or the server, the rows came from
    empty_is_null: bool = False  # a CSV cannot tell '' from NULL: its empty field stands for both


@dataclass
class DataMatch:
    """One object's rows compared: the evidence the scorecard and the report show."""

    source: str  # `schema.name` as in SQL Server
    model: str
    relation: str | None
    origin: str
    matched: bool
    columns: list[str] = field(default_factory=list)
    expected_rows: int = 0
    actual_rows: int | None = None
    missing: int = 0  # rows SQL Server returns that the model does not
    unexpected: int = 0  # rows the model returns that SQL Server does not
    missing_rows: list[dict[str, str | None]] = field(default_factory=list)  # the first MAX_SHOWN_ROWS
    unexpected_rows: list[dict[str, str | None]] = field(default_factory=list)
    reason: str | None = None  # why the rows could not be compared: a missing column, no relation
    # columns whose values SQL Server's type could not hold: "Total: SQL Server returns integers, ..."
    type_differences: list[str] = field(default_factory=list)


@dataclass
class DataValidation(SavedAsJson):
    """Everything the tester found out about data: what was expected, what matched, and why not."""

    expected: list[ExpectedResult] = field(default_factory=list)
    matches: list[DataMatch] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)  # table key -> its rows in SQL Server


# ---------------------------------------------------------------- normalising values

# PostgreSQL type OIDs (pg_type.oid) as psycopg2's cursor.description reports them
_KIND_OF_OID = {
    16: "boolean",
    20: "integer", 21: "integer", 23: "integer", 26: "integer",
    1700: "number",
    700: "real", 701: "float",
    1082: "date",
    1114: "timestamp", 1184: "timestamp",
    1083: "time", 1266: "time",
    17: "bytes",
    2950: "uuid",
}
NUMERIC_KINDS = ("integer", "number", "float", "real")
# SQL Server's integer types: a column of one of them never returns a fraction
SQL_SERVER_INTEGERS = ("tinyint", "smallint", "int", "bigint")
_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}
_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$")


def column_kind(type_code: int | None) -> str:
    """How a PostgreSQL column's values are compared: integer, number, float, real, boolean,
    date, timestamp, time, bytes, uuid or text."""
    return _KIND_OF_OID.get(type_code or 0, "text")


def _unparsed(value: Any) -> tuple[str, str]:
    # never equal to a parsed value, so a value that does not fit its column is a difference
    return ("unparsed", str(value))


def _decimal(value: Any) -> Decimal | None:
    """A number as an exact Decimal (a float through its shortest repr); None when it is not one."""
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except decimal.InvalidOperation:
        return None


def _number(value: Any) -> Any:
    """Exact: Decimal equality ignores only spelling ('10' == 10.000 == '1e1'), never a digit.
    A bit exported as True/False (SSMS, .NET) is the number 1/0."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return Decimal(value.strip().lower() == "true")
    number = _decimal(value)
    if number is None:
        return _unparsed(value)
    return ("nan",) if number.is_nan() else number


def _float(value: Any, single: bool = False) -> Any:
    """IEEE doubles (or singles, for `real`): the text '0.1' and the float 0.1 are one value."""
    number = _decimal(value)
    if number is None:
        return _unparsed(value)
    if number.is_nan():
        return ("nan",)
    as_float = float(number)
    return struct.unpack("f", struct.pack("f", as_float))[0] if single else as_float


def _boolean(value: Any) -> Any:
    if isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    return False if text in _FALSE else _unparsed(value)


def _fraction(digits: str | None) -> dt.timedelta:
    """Fractional seconds rounded to microseconds, as PostgreSQL rounds datetime2(7)'s 100 ns."""
    if not digits:
        return dt.timedelta()
    return dt.timedelta(microseconds=round(Decimal("0." + digits) * 1_000_000))


def _zone(text: str | None) -> dt.timezone | None:
    if text is None:
        return None
    if text == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _timestamp(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    match = _DATETIME.match(str(value).strip())
    if match is None:
        return _unparsed(value)
    day, hour, minute, second, fraction, zone = match.groups()
    try:
        base = dt.datetime.fromisoformat(day).replace(
            hour=int(hour or 0), minute=int(minute or 0), second=int(second or 0), tzinfo=_zone(zone))
    except ValueError:
        return _unparsed(value)
    return base + _fraction(fraction)


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value
    parsed = _timestamp(value)
    if isinstance(parsed, dt.datetime) and parsed.time() == dt.time() and parsed.tzinfo is None:
        return parsed.date()
    return parsed


def _time(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    match = _TIME.match(str(value).strip())
    if match is None:
        return _unparsed(value)
    hour, minute, second, fraction = match.groups()
    try:
        base = dt.datetime(2000, 1, 1, int(hour), int(minute), int(second or 0))
    except ValueError:
        return _unparsed(value)
    return (base + _fraction(fraction)).time()


def _bytes(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    text = str(value).strip().lower()
    for prefix in ("0x", "\\x"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text if re.fullmatch(r"[0-9a-f]*", text) and len(text) % 2 == 0 else _unparsed(value)


_NORMALISERS = {
    "integer": _number, "number": _number, "float": _float, "real": lambda value: _float(value, single=True),
    "boolean": _boolean, "date": _date, "timestamp": _timestamp, "time": _time, "bytes": _bytes,
    "uuid": lambda value: str(value).strip().lower(),
    "text": str,
}


def normalise(value: Any, kind: str) -> Any:
    """A value in the form it is compared in, for a column of `kind` (see `column_kind`).
    Only the spelling changes, never the value. None stays None."""
    if value is None:
        return None
    return _NORMALISERS.get(kind, str)(value)


def has_fraction(value: Any) -> bool:
    """A number with a non-zero fractional part (10.3333, not 10.0000)."""
    number = _decimal(value)
    return number is not None and number.is_finite() and number != number.to_integral_value()


def display(value: Any) -> str | None:
    """A fetched value as text in the report, spelled the way SQL Server shows it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "0x" + bytes(value).hex().upper()
    return str(value)


# ---------------------------------------------------------------- comparing rows


def compare_rows(expected: ExpectedResult, model: str, relation: str | None, actual_columns: Sequence[str],
                 kinds: Sequence[str], actual_rows: Iterable[Sequence[Any]],
                 sql_types: dict[str, str] | None = None) -> DataMatch:
    """The model's rows (`actual_columns`, their `kinds`) against the expected ones, as multisets,
    exactly. Expected columns match model columns through `fold_identifier`; model columns the
    expected result does not name are not compared. `sql_types` maps folded column names to the
    types SQL Server gives them, where the catalog knows them."""
    match = DataMatch(expected.source, model, relation, expected.origin, False, list(expected.columns),
                      expected_rows=len(expected.rows))
    positions = {fold_identifier(name): i for i, name in enumerate(actual_columns)}
    absent = [name for name in expected.columns if fold_identifier(name) not in positions]
    if absent:
        match.reason = "the model has no column " + ", ".join(
            f"{name} ({fold_identifier(name)})" for name in absent)
        return match
    picked = [positions[fold_identifier(name)] for name in expected.columns]
    column_kinds = [kinds[i] for i in picked]
    integers = [_returns_integers(expected, i, (sql_types or {}).get(fold_identifier(name)))
                for i, name in enumerate(expected.columns)]

    def key(row: Sequence[Any], empty_is_null: bool) -> tuple:
        return tuple(None if empty_is_null and value == "" else normalise(value, kind)
                     for value, kind in zip(row, column_kinds, strict=True))

    wanted: Counter = Counter()
    shown: dict[tuple, list] = {}
    for row in expected.rows:
        normal = key(row, expected.empty_is_null)
        wanted[normal] += 1
        shown.setdefault(normal, list(row))
    got: Counter = Counter()
    fractions: dict[int, Any] = {}
    for row in actual_rows:
        values = [row[i] for i in picked]
        normal = key(values, expected.empty_is_null)
        got[normal] += 1
        shown.setdefault(normal, [display(v) for v in values])
        for i, value in enumerate(values):
            if integers[i] and column_kinds[i] in NUMERIC_KINDS and i not in fractions and has_fraction(value):
                fractions[i] = value
    match.type_differences = [
        f"{expected.columns[i]}: SQL Server returns integers, the model returns {display(value)}"
        for i, value in sorted(fractions.items())]
    _record_differences(match, wanted, got, shown)
    return match


_INTEGER_TEXT = re.compile(r"^\s*[+-]?\d+\s*$")


def _returns_integers(expected: ExpectedResult, position: int, sql_type: str | None) -> bool:
    """Whether SQL Server returns integers in a column: its type says so when the catalog knows it,
    otherwise every value it returned is written as an integer."""
    if sql_type:
        return sql_type.split("(")[0].strip().lower() in SQL_SERVER_INTEGERS
    values = [row[position] for row in expected.rows if row[position] not in (None, "")]
    return bool(values) and all(_INTEGER_TEXT.match(str(v)) for v in values)


def _record_differences(match: DataMatch, wanted: Counter, got: Counter, shown: dict[tuple, list]) -> None:
    missing, unexpected = wanted - got, got - wanted
    match.actual_rows = sum(got.values())
    match.missing, match.unexpected = sum(missing.values()), sum(unexpected.values())
    match.missing_rows = _shown_rows(missing, shown, match.columns)
    match.unexpected_rows = _shown_rows(unexpected, shown, match.columns)
    match.matched = not missing and not unexpected and not match.type_differences


def _shown_rows(rows: Counter, shown: dict[tuple, list], columns: list[str]) -> list[dict[str, str | None]]:
    listed = []
    for normal, count in rows.items():
        listed += [dict(zip(columns, shown[normal], strict=True))] * count
        if len(listed) >= MAX_SHOWN_ROWS:
            break
    return listed[:MAX_SHOWN_ROWS]


def _select(relation: str, columns: Sequence[str] | None, limit: int | None = None) -> str:
    """`select "a", "b" from "schema"."model"` (every column when `columns` is None), for PostgreSQL."""
    schema, name = relation.split(".", 1)
    selects = [exp.column(c, quoted=True) for c in columns] if columns is not None else [exp.Star()]
    query = exp.select(*selects).from_(exp.table_(name, db=schema, quoted=True))
    return (query.limit(limit) if limit is not None else query).sql(dialect="postgres")


def fetch_model_rows(cursor, relation: str, expected_columns: Sequence[str]) -> tuple[list[str], list[str], list[tuple]]:
    """The model's column names, their kinds and its rows: only the columns the expected
    result names (`select <cols> from <schema>.<model>`); all names and no rows when one is missing."""
    cursor.execute(_select(relation, None, limit=0))
    present = {fold_identifier(d[0]): d[0] for d in cursor.description}
    wanted = [present.get(fold_identifier(c)) for c in expected_columns]
    if None in wanted:
        return list(present.values()), [column_kind(d[1]) for d in cursor.description], []
    cursor.execute(_select(relation, wanted))
    return [d[0] for d in cursor.description], [column_kind(d[1]) for d in cursor.description], cursor.fetchall()


def match_model(cursor, expected: ExpectedResult, model: str, relation: str | None,
                sql_types: dict[str, str] | None = None) -> DataMatch:
    """One object's expected rows against its model's relation in the warehouse."""
    if relation is None:
        return DataMatch(expected.source, model, None, expected.origin, False, list(expected.columns),
                         len(expected.rows), reason=f"{model} is ephemeral: no relation to read")
    columns, kinds, rows = fetch_model_rows(cursor, relation, expected.columns)
    return compare_rows(expected, model, relation, columns, kinds, rows, sql_types)


def sql_server_types(catalog: Catalog, key: str) -> dict[str, str]:
    """An object's column types as SQL Server gives them, by folded column name (empty when the
    catalog does not know them, e.g. a view read from a script)."""
    obj = catalog.get(key)
    return {fold_identifier(c.name): c.data_type for c in obj.columns if c.data_type} if obj else {}


# ---------------------------------------------------------------- which model, and validating


def compared_model(plan: MigrationPlan, catalog: Catalog, key: str) -> PlannedModel | None:
    """The model an object's rows are compared with: a view's own model, the model that now
    produces a table a procedure loaded, or the model of a procedure's one result set
    (`planning.result_sets`). None for anything else."""
    obj = catalog.get(key)
    if obj is None:
        return None
    if obj.kind == "view":
        return next((m for m in plan.models if m.origin == obj.key and m.target is None), None)
    if obj.kind == "table":
        return next((m for m in plan.models if m.target == obj.key), None)
    if obj.kind == "procedure":  # one that only returns rows: the model of its result set
        return next((m for m in plan.models if m.origin == obj.key and m.target is None and m.resource == "model"), None)
    return None


def _relation(plan: MigrationPlan, model: PlannedModel) -> str | None:
    return None if model.materialized == "ephemeral" else f"{plan.project}.{model.name}"


def validate_data(connection, expected: list[ExpectedResult], plan: MigrationPlan,
                  catalog: Catalog) -> list[DataMatch]:
    """Every expected result against its model in the warehouse (a psycopg2 connection). A model
    that cannot be read (not built, disabled) gives a match that did not match, with the reason."""
    matches = []
    for result in expected:
        model = compared_model(plan, catalog, result.object)
        if model is None:
            continue  # `comparable` reported it already
        relation = _relation(plan, model)
        with connection.cursor() as cursor:
            try:
                matches.append(match_model(cursor, result, model.name, relation,
                                           sql_server_types(catalog, result.object)))
            except Exception as error:  # noqa: BLE001 - a database error is evidence, not a crash
                connection.rollback()
                matches.append(DataMatch(result.source, model.name, relation, result.origin, False,
                                         list(result.columns), len(result.rows),
                                         reason=f"cannot read {relation}: {_first_line(error)}"))
    return matches


def comparable(expected: list[ExpectedResult], plan: MigrationPlan,
               catalog: Catalog) -> tuple[list[ExpectedResult], list[Finding]]:
    """The expected results that have a model to compare with, and a finding for each other one."""
    kept, findings = [], []
    for result in expected:
        if compared_model(plan, catalog, result.object) is None:
            findings.append(_no_model_finding(result, catalog))
        else:
            kept.append(result)
    return kept, findings


def _no_model_finding(result: ExpectedResult, catalog: Catalog) -> Finding:
    obj = catalog.get(result.object)
    if obj is None:
        why = "no such object in the source"
    elif obj.kind == "table":
        why = "no procedure produces this table, so no migrated model computes its rows"
    elif obj.kind == "view":
        why = "the view was not migrated to a model"
    else:
        why = f"a {obj.kind} has no rows to compare; give expected rows for a view or a table it loads"
    return Finding("warning", f"expected rows for {result.source} not compared: {why}",
                   file=result.origin if result.empty_is_null else None, object=result.source)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# ---------------------------------------------------------------- expected results: files


def expected_folder(spec: SourceSpec) -> Path | None:
    """`expected/` beside a script source: inside a folder source, beside a file source."""
    if spec.kind == "live":
        return None
    path = Path(spec.location)
    return (path if path.is_dir() else path.parent) / EXPECTED_FOLDER


def read_expected_files(folder: Path, catalog: Catalog) -> tuple[list[ExpectedResult], list[Finding]]:
    """`<schema>.<object>.csv` files of a folder: the rows SQL Server returns for each object."""
    results, findings = [], []
    if not folder.is_dir():
        return results, findings
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"
                       and p.name.lower() != ROW_COUNTS_FILE):
        result, finding = read_expected_file(path, catalog)
        if result is not None:
            results.append(result)
        if finding is not None:
            findings.append(finding)
    return results, findings


def read_expected_file(path: Path, catalog: Catalog) -> tuple[ExpectedResult | None, Finding | None]:
    file = f"{EXPECTED_FOLDER}/{path.name}"
    schema, dot, name = path.stem.partition(".")
    if not dot or not schema or not name:
        return None, Finding("warning", "expected-result file name is not <schema>.<object>.csv, skipped", file)
    obj = catalog.get(object_key(schema, name))
    if obj is None:
        return None, Finding("warning", f"expected rows for {schema}.{name}, which is not in the source, skipped",
                             file, object=f"{schema}.{name}")
    try:
        records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error, OSError) as error:
        return None, Finding("error", f"cannot read the expected-result file, skipped: {error}", file, object=obj.source)
    if not records or not any(records[0]):
        return None, Finding("warning", "empty expected-result file (no header row), skipped", file, object=obj.source)
    header = records[0]
    folded = [fold_identifier(c) for c in header]
    if len(set(folded)) != len(folded):
        return None, Finding("error", f"duplicate column names in the header: {', '.join(header)}", file, 1, obj.source)
    rows = []
    for line, record in enumerate(records[1:], start=2):
        if not record:
            continue
        if len(record) != len(header):
            return None, Finding("error", f"{len(record)} fields where the header has {len(header)}, file skipped",
                                 file, line, obj.source)
        rows.append([value if value != "" else None for value in record])
    return ExpectedResult(obj.key, obj.source, header, rows, file, empty_is_null=True), None


def read_row_counts(folder: Path, catalog: Catalog) -> tuple[dict[str, int], list[Finding]]:
    """`expected/row_counts.csv` (`schema,table,rows`): each source table's row count in SQL
    Server, by table key. A line that names no table of the source, or no count, is a finding."""
    path = folder / ROW_COUNTS_FILE
    file = f"{EXPECTED_FOLDER}/{ROW_COUNTS_FILE}"
    if not path.is_file():
        return {}, []
    try:
        records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error, OSError) as error:
        return {}, [Finding("error", f"cannot read the row counts, skipped: {error}", file)]
    if not records or [c.strip().lower() for c in records[0]] != ROW_COUNTS_HEADER:
        return {}, [Finding("error", f"row counts need the header {','.join(ROW_COUNTS_HEADER)}, file skipped", file, 1)]
    counts, findings = {}, []
    for line, record in enumerate(records[1:], start=2):
        if not record:
            continue
        table = catalog.get(object_key(record[0], record[1])) if len(record) == 3 else None
        if table is None or table.kind != "table" or not record[2].strip().isdigit():
            findings.append(Finding("warning", f"row count line not used: {','.join(record)}", file, line))
            continue
        counts[table.key] = int(record[2])
    return counts, findings


# ---------------------------------------------------------------- expected results: a live server


def live_queries(catalog: Catalog, plan: MigrationPlan) -> list[tuple[str, str, str]]:
    """(object key, source, query) for every object a live server can give expected rows of:
    each view that became a model, each table a procedure now produces. SELECT only."""
    queries = []
    for obj in catalog.objects:
        if obj.kind not in ("view", "table") or compared_model(plan, catalog, obj.key) is None:
            continue
        query = exp.select(exp.Star()).from_(exp.table_(obj.name, db=obj.schema, quoted=True))
        queries.append((obj.key, obj.source, query.sql(dialect="tsql")))
    return queries


def read_expected_live(connection, catalog: Catalog, plan: MigrationPlan, origin: str,
                       row_limit: int = LIVE_ROW_LIMIT) -> tuple[list[ExpectedResult], list[Finding]]:
    """Expected rows read from a live SQL Server (a DB-API connection, e.g. pyodbc), read-only."""
    from migrator_pipeline.catalog.live import copy_text

    results, findings = [], []
    for key, source, query in live_queries(catalog, plan):
        cursor = connection.cursor()
        try:
            cursor.execute(query)
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchmany(row_limit + 1)
        except Exception as error:  # noqa: BLE001 - one unreadable object must not stop the rest
            findings.append(Finding("warning", f"cannot read the expected rows of {source} from SQL Server: "
                                    f"{_first_line(error)}", object=source))
            continue
        finally:
            cursor.close()
        if len(rows) > row_limit:
            findings.append(Finding("info", f"{source} not compared: more than {row_limit} rows", object=source))
            continue
        results.append(ExpectedResult(key, source, columns, [[copy_text(v) for v in row] for row in rows], origin))
    return results, findings


def expected_results(spec: SourceSpec, catalog: Catalog, plan: MigrationPlan) -> tuple[list[ExpectedResult], list[Finding]]:
    """The expected results of a project's source that have a model to compare with: from its
    live server, or from its `expected/` files."""
    if spec.kind != "live":
        folder = expected_folder(spec)
        expected, findings = read_expected_files(folder, catalog) if folder else ([], [])
        kept, more = comparable(expected, plan, catalog)
        return kept, findings + more
    if spec.sample_rows is not None:  # the warehouse holds a sample: its models cannot match in full
        return [], [Finding("info", "data not compared with SQL Server: the source tables were sampled "
                            f"({spec.sample_rows} rows each)")]
    from migrator_pipeline.catalog import live

    try:
        source = live.parse_source_url(spec.location)
        connection = live.connect(source)
    except SourceError as error:
        return [], [Finding("warning", f"data not compared with SQL Server: {error}")]
    try:
        return read_expected_live(connection, catalog, plan, f"SQL Server {source.server}/{source.database}")
    finally:
        connection.close()


def data_validation(spec: SourceSpec, catalog: Catalog, plan: MigrationPlan, warehouse_url: str) -> DataValidation:
    """The tester's data step: expected results gathered, then compared with the built models."""
    expected, findings = expected_results(spec, catalog, plan)
    folder = expected_folder(spec)
    counts, count_findings = read_row_counts(folder, catalog) if folder else ({}, [])
    return revalidate(DataValidation(expected, [], findings + count_findings, counts), catalog, plan, warehouse_url)


def revalidate(validation: DataValidation, catalog: Catalog, plan: MigrationPlan,
               warehouse_url: str) -> DataValidation:
    """The same expected results compared (again) with the models as they are now built, e.g.
    after the rebuilder rebuilt some."""
    if not validation.expected:
        return DataValidation([], [], list(validation.findings), dict(validation.row_counts))
    with connect(warehouse_url) as connection:
        connection.autocommit = True
        matches = validate_data(connection, validation.expected, plan, catalog)
    return DataValidation(validation.expected, matches, list(validation.findings), dict(validation.row_counts))
