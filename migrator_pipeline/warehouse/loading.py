"""Create the source tables in the warehouse's raw schema and load their rows with COPY."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psycopg2
from psycopg2 import sql

from migrator_pipeline.catalog.model import Catalog, Finding, SourceObject, TableData
from migrator_pipeline.error_text import first_line
from migrator_pipeline.serialisation import SavedAsJson
from migrator_pipeline.tsql.identifiers import lower_identifier, raw_columns, raw_identifier
from migrator_pipeline.tsql.types import UnknownTypeError, postgres_type
from migrator_pipeline.warehouse.connection import connect
from migrator_pipeline.warehouse.schemas import reset_schema


# rows PostgreSQL refuses (one COPY each to find) before the table is given up as a whole
MAX_REFUSED_ROWS = 20


@dataclass
class LoadedTable:
    source: str  # `schema.name` as in SQL Server
    relation: str  # `raw_schema.identifier` in the warehouse
    rows: int
    error: str | None = None
    # why the raw table lacks rows its source gave: a data file not read, every row refused,
    # rows PostgreSQL could not hold. No object that reads it can pass (`evaluation.scorecard`).
    incomplete: str | None = None


@dataclass
class LoadReport(SavedAsJson):
    tables: list[LoadedTable]
    findings: list[Finding]

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)


# A table's rows as COPY reads them: the column names, then batches of rows of text (None is NULL).
RowBatches = tuple[list[str], Iterable[list[list[str | None]]]]
RowsFor = Callable[[SourceObject], RowBatches | None]


def load_source_tables(url: str, catalog: Catalog, raw_schema: str,
                       on_progress=None, rows_for: RowsFor | None = None) -> LoadReport:
    """Replace the raw schema with a copy of every SQL Server table, each loaded in its own
    transaction, so one bad table is a finding and the others still load. The raw schema mirrors
    the source whole; the plan decides which of these tables become dbt sources.

    `rows_for` gives each table's rows in batches (a live server streams them); by default the
    rows come from the catalog, and a row PostgreSQL refuses is left out with a finding naming
    its file and line, the rest of the table loading without it."""
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
            if rows_for is None:
                loaded = _load_catalog_rows(conn, table, relation, ddl, data, findings)
            else:
                loaded = _load_streamed_rows(conn, table, relation, ddl, rows_for, data, findings)
            tables.append(loaded)
            if on_progress:
                on_progress(index, len(tables_to_load), table.source)
    return LoadReport(tables, findings)


def _load_streamed_rows(conn, table: SourceObject, relation: str, ddl: sql.Composed, rows_for: RowsFor,
                        data: TableData | None, findings: list[Finding]) -> LoadedTable:
    """Rows streamed batch by batch (a live server): one COPY; a bad row fails the table."""
    try:
        with conn.cursor() as cur:
            cur.execute(ddl)
            batches = rows_for(table)
            rows = copy_rows(cur, relation, *batches, raw_column_names(table.columns)) if batches else 0
        conn.commit()
        return LoadedTable(table.source, relation, rows, incomplete=data.lost if data else None)
    except Exception as error:  # a bad row or type: report it, keep loading the rest
        message = first_line(error)
        conn.rollback()
        findings.append(Finding("error", f"loading {table.source} failed: {message}",
                                data.origin if data else table.file, None, table.source))
        _create_empty(conn, ddl)
        return LoadedTable(table.source, relation, 0, message, incomplete=f"it did not load: {message}")


def _load_catalog_rows(conn, table: SourceObject, relation: str, ddl: sql.Composed, data: TableData | None,
                       findings: list[Finding]) -> LoadedTable:
    """The catalog's rows in one COPY. A row PostgreSQL refuses (COPY names its line) is left
    out with a finding, and the COPY runs again without it, up to MAX_REFUSED_ROWS rows."""
    rows = data.rows if data else []
    kept = list(range(len(rows)))
    refused, first_refusal = 0, None
    while True:
        try:
            with conn.cursor() as cur:
                cur.execute(ddl)
                loaded = (copy_rows(cur, relation, data.columns, [[rows[k] for k in kept]],
                                    raw_column_names(table.columns)) if data else 0)
            conn.commit()
            break
        except Exception as error:  # a row or a type PostgreSQL cannot hold: find it, go on
            message = first_line(error)
            conn.rollback()
            line = _copy_line(error)
            if line is None or line > len(kept) or refused >= MAX_REFUSED_ROWS:
                findings.append(Finding("error", f"loading {table.source} failed: {message}",
                                        data.origin if data else table.file, None, table.source))
                _create_empty(conn, ddl)
                return LoadedTable(table.source, relation, 0, message, incomplete=f"it did not load: {message}")
            row = kept.pop(line - 1)
            refused += 1
            first_refusal = first_refusal or message
            file, row_line = data.where(row)
            findings.append(Finding("warning", f"{table.source} row not loaded, PostgreSQL refuses it: {message}",
                                    file, row_line, table.source))
    return LoadedTable(table.source, relation, loaded, incomplete=_incomplete(data, loaded, refused, first_refusal))


def _incomplete(data: TableData | None, loaded: int, refused: int, first_refusal: str | None = None) -> str | None:
    if data is None:
        return None
    if data.lost:
        return data.lost
    if refused and not loaded:
        return f"PostgreSQL refused all {refused} of its rows ({first_refusal})"
    if refused:
        return f"PostgreSQL refused {refused} of its {loaded + refused} rows (first: {first_refusal})"
    return None


_COPY_LINE = re.compile(r"\bCOPY \S+, line (\d+)")


def _copy_line(error: Exception) -> int | None:
    """The line of the COPY stream (one row per line) that PostgreSQL refused, if it says."""
    context = getattr(getattr(error, "diag", None), "context", None) if isinstance(error, psycopg2.Error) else None
    match = _COPY_LINE.search(context or "")
    return int(match.group(1)) if match else None


def _create_empty(conn, ddl: sql.Composed) -> None:
    with conn.cursor() as cur:
        cur.execute(ddl)
    conn.commit()


def raw_column_names(columns) -> dict[str, str]:
    """SQL Server column name -> raw column name: the `lower` identifier policy, collisions
    settled, exactly as the staging models and sources YAML name them."""
    return raw_columns([column.name for column in columns])


def create_table_sql(relation: str, columns, source: str) -> tuple[sql.Composed, list[Finding]]:
    """`create table "schema"."name" ("column" type, ...)` for a raw table, and a finding for each
    column whose type PostgreSQL cannot hold (it is loaded as text)."""
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
        column_sql.append(sql.SQL("    {} {}").format(sql.Identifier(raw_names[column.name]), sql.SQL(pg_type)))
    ddl = sql.SQL("create table {} (\n{}\n)").format(_relation(relation), sql.SQL(",\n").join(column_sql))
    return ddl, findings


def copy_rows(cur, relation: str, columns: list[str],
              batches: Iterable[list[list[str | None]]], raw_names: dict[str, str] | None = None) -> int:
    """One COPY per table, fed batch by batch: memory holds one batch, never the table.
    `raw_names` maps the data's column names (any case) to the raw table's."""
    by_lower = {source.lower(): raw for source, raw in (raw_names or {}).items()}
    column_list = sql.SQL(", ").join(sql.Identifier(by_lower.get(c.lower(), lower_identifier(c))) for c in columns)
    stream = _CopyStream(batches)
    cur.copy_expert(sql.SQL("copy {} ({}) from stdin").format(_relation(relation), column_list), stream)
    return stream.rows


def _relation(relation: str) -> sql.Identifier:
    """`schema.name` as one qualified identifier: "schema"."name"."""
    schema, name = relation.split(".", 1)
    return sql.Identifier(schema, name)


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
