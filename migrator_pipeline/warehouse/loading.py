"""Create the source tables in the warehouse's raw schema and load their rows with COPY."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from migrator_pipeline.catalog.model import Catalog, Finding, SourceObject
from migrator_pipeline.tsql.identifiers import fold_columns, fold_identifier, raw_identifier
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type
from migrator_pipeline.warehouse.connection import connect
from migrator_pipeline.warehouse.schemas import reset_schema


@dataclass
class LoadedTable:
    source: str  # `schema.name` as in SQL Server
    relation: str  # `raw_schema.identifier` in the warehouse
    rows: int
    error: str | None = None


@dataclass
class LoadReport:
    tables: list[LoadedTable]
    findings: list[Finding]

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LoadReport:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls([LoadedTable(**t) for t in raw["tables"]], [Finding(**f) for f in raw["findings"]])


# A table's rows as COPY reads them: the column names, then batches of rows of text (None is NULL).
RowBatches = tuple[list[str], Iterable[list[list[str | None]]]]
RowsFor = Callable[[SourceObject], RowBatches | None]


def catalog_rows(catalog: Catalog) -> RowsFor:
    """Rows held in the catalog itself: INSERT statements and CSV files of a script source."""
    def rows_for(table: SourceObject) -> RowBatches | None:
        data = catalog.data_for(table.key)
        return (data.columns, [data.rows]) if data else None
    return rows_for


def load_source_tables(url: str, catalog: Catalog, raw_schema: str,
                       on_progress=None, rows_for: RowsFor | None = None) -> LoadReport:
    """Replace the raw schema with a copy of every SQL Server table, each loaded in its own
    transaction, so one bad table is a finding and the others still load. The raw schema mirrors
    the source whole; the plan decides which of these tables become dbt sources.

    `rows_for` gives each table's rows in batches (a live server streams them); by default the
    rows come from the catalog."""
    rows_for = rows_for or catalog_rows(catalog)
    findings: list[Finding] = []
    tables: list[LoadedTable] = []
    # cascade drops the project's dbt views over the raw tables; the tester rebuilds them anyway
    reset_schema(url, raw_schema)
    with connect(url) as conn:
        tables_to_load = catalog.of_kind("table")
        for index, table in enumerate(tables_to_load, start=1):
            relation = f"{raw_schema}.{raw_identifier(table.schema, table.name)}"
            ddl, type_findings = create_table_sql(relation, table.columns, table.source)
            findings.extend(type_findings)
            data = catalog.data_for(table.key)
            try:
                with conn.cursor() as cur:
                    cur.execute(ddl)
                    batches = rows_for(table)
                    rows = (copy_rows(cur, relation, *batches, raw_column_names(table.columns))
                            if batches else 0)
                conn.commit()
                tables.append(LoadedTable(table.source, relation, rows))
            except Exception as error:  # a bad row or type: report it, keep loading the rest
                conn.rollback()
                message = str(error).strip().splitlines()[0]
                findings.append(Finding("error", f"loading {table.source} failed: {message}",
                                        data.origin if data else table.file, None, table.source))
                with conn.cursor() as cur:
                    cur.execute(ddl)
                conn.commit()
                tables.append(LoadedTable(table.source, relation, 0, message))
            if on_progress:
                on_progress(index, len(tables_to_load), table.source)
    return LoadReport(tables, findings)


def raw_column_names(columns) -> dict[str, str]:
    """SQL Server column name -> raw column name: the identifier policy, collisions settled,
    exactly as the staging models and YAML name them."""
    return fold_columns([column.name for column in columns])


def create_table_sql(relation: str, columns, source: str) -> tuple[str, list[Finding]]:
    findings = []
    column_sql = []
    raw_names = raw_column_names(columns)
    for column in columns:
        if column.computed is not None:
            continue  # computed columns hold no data of their own
        try:
            pg_type = postgres_type(column.data_type)
        except UnknownTypeError as error:
            pg_type = "text"
            findings.append(Finding("warning", f"{source}.{column.name}: {error}; loaded as text",
                                    object=source))
        column_sql.append(f"    {quote(raw_names[column.name])} {pg_type}")
    schema, name = relation.split(".", 1)
    return f"create table {quote(schema)}.{quote(name)} (\n" + ",\n".join(column_sql) + "\n)", findings


def copy_rows(cur, relation: str, columns: list[str],
              batches: Iterable[list[list[str | None]]], raw_names: dict[str, str] | None = None) -> int:
    """One COPY per table, fed batch by batch: memory holds one batch, never the table.
    `raw_names` maps the data's column names (any case) to the raw table's."""
    schema, name = relation.split(".", 1)
    by_lower = {source.lower(): raw for source, raw in (raw_names or {}).items()}
    column_list = ", ".join(quote(by_lower.get(c.lower(), fold_identifier(c))) for c in columns)
    stream = _CopyStream(batches)
    cur.copy_expert(f"copy {quote(schema)}.{quote(name)} ({column_list}) from stdin", stream)
    return stream.rows


class _CopyStream(io.RawIOBase):
    """A file that psycopg2's COPY reads, producing COPY text from batches of rows on demand."""

    def __init__(self, batches: Iterable[list[list[str | None]]]):
        self._batches = iter(batches)
        self._pending = b""
        self.rows = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._pending) < size:
            batch = next(self._batches, None)
            if batch is None:
                break
            self.rows += len(batch)
            self._pending += "".join(
                "\t".join(_copy_text(value) for value in row) + "\n" for row in batch).encode("utf-8")
        if size < 0:
            size = len(self._pending)
        chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk


def _copy_text(value: str | None) -> str:
    """One field in COPY's text format: NULL is \\N; backslash and control characters escaped."""
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
