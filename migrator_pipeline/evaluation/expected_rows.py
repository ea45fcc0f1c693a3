"""Expected-row sources: the rows SQL Server returns for each compared object.

From `expected/<schema>.<object>.csv` beside a script source (header: the object's output
columns as SQL Server names them, UTF-8, empty field = NULL) and `expected/row_counts.csv`
(`schema,table,rows`), or from a live SQL Server, by running `SELECT * FROM [schema].[object]`
for every view that became a model and every table a procedure now produces. Only objects with
a model to compare with (`compared_model`) are kept; every other one is a finding.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from migrator_pipeline.catalog.data_files import empty_as_null
from migrator_pipeline.catalog.model import Catalog, Finding, SourceError, object_key
from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.error_text import first_line
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel
from migrator_pipeline.tsql.identifiers import fold_identifier

LIVE_ROW_LIMIT = 100_000  # a bigger result is not fetched from SQL Server to compare in memory
EXPECTED_FOLDER = "expected"
ROW_COUNTS_FILE = "row_counts.csv"  # in expected/: each source table's row count in SQL Server
ROW_COUNTS_HEADER = ["schema", "table", "rows"]


@dataclass
class ExpectedResult:
    """The rows SQL Server returns for one object, as text (None is NULL)."""

    object: str  # object key
    source: str  # `schema.name` as in SQL Server
    columns: list[str]  # as SQL Server names them
    rows: list[list[str | None]]
    origin: str  # the file, or the server, the rows came from
    empty_is_null: bool = False  # a CSV cannot tell '' from NULL: its empty field stands for both


# ---------------------------------------------------------------- which objects have a model to compare with


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
        rows.append(empty_as_null(record))
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
                                    f"{first_line(error)}", object=source))
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
    from migrator_pipeline.catalog import live_source as live

    try:
        source = live.parse_source_url(spec.location)
        connection = live.connect(source)
    except SourceError as error:
        return [], [Finding("warning", f"data not compared with SQL Server: {error}")]
    try:
        return read_expected_live(connection, catalog, plan, f"SQL Server {source.server}/{source.database}")
    finally:
        connection.close()
