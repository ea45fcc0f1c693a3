"""True column types in the generated dbt project's YAML: written back from what was built.

The writer declares a `data_type` from SQL Server's declared type, before anything is built; a
model may compute another type (an average of integers is numeric in PostgreSQL). After the
build, the types PostgreSQL actually gave each built relation are read from its catalog
(`format_type`, so `numeric(10,2)`, not `numeric`) and written into the YAML: every column of a
built relation gets its built type, and a column of a relation that was not built loses its
declared one, because nothing proves it.

Why write-back and not dbt model contracts (`contract: {enforced: true}`): a contract is a
promise checked by failing the build. Declared from SQL Server's types before the model runs,
one wrong guess (or a type PostgreSQL spells differently) fails that model and everything
downstream of it, so contracts can sink a build; and a contract can only be declared where a
type is known in advance, so views would stay untyped. Write-back cannot sink a build (it runs
after), and cannot lie (it copies what the warehouse holds).
"""

from __future__ import annotations

import json
from pathlib import Path

from psycopg2 import sql

from migrator_pipeline.atomic_files import write_text_atomically
from migrator_pipeline.dbt_project.jinja_sql import inert
from migrator_pipeline.dbt_project.yaml_files import yaml_document, yaml_text
from migrator_pipeline.planning.model import MigrationPlan
from migrator_pipeline.warehouse.connection import connect

# table, view, materialized view, partitioned table, foreign table
_RELATION_KINDS = ("r", "v", "m", "p", "f")
_COLUMN_TYPES = sql.SQL(
    "select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
    "from pg_catalog.pg_attribute a "
    "join pg_catalog.pg_class c on c.oid = a.attrelid "
    "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
    "where n.nspname = any(%s) and c.relkind = any(%s) and a.attnum > 0 and not a.attisdropped "
    "order by n.nspname, c.relname, a.attnum")


def built_column_types(connection, schemas: list[str]) -> dict[str, dict[str, str]]:
    """`schema.relation` -> {column: PostgreSQL type as PostgreSQL spells it}, for every relation
    in `schemas` (a psycopg2 connection)."""
    types: dict[str, dict[str, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_COLUMN_TYPES, (list(schemas), list(_RELATION_KINDS)))
        for schema, relation, column, data_type in cursor.fetchall():
            types.setdefault(f"{schema}.{relation}", {})[column] = data_type
    return types


def write_back_column_types(dbt_dir: Path, plan: MigrationPlan, types: dict[str, dict[str, str]]) -> int:
    """Every model, snapshot and source column in the project's YAML files gets the type it was
    built with; columns of built relations that the YAML does not list are added. Returns the
    number of columns typed."""
    relations = {m.name: f"{plan.project}.{m.name}" for m in plan.models}
    sources = {(s.source_name, s.table_name): f"{plan.raw_schema}.{s.identifier}" for s in plan.sources}
    typed = 0
    for path in sorted([*dbt_dir.glob("models/**/*.yml"), *dbt_dir.glob("snapshots/**/*.yml")]):
        document = yaml_document(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict):
            continue
        for key in ("models", "snapshots"):
            for node in document.get(key) or []:
                typed += _type_columns(node, types.get(relations.get(node.get("name"), "")))
        for source in document.get("sources") or []:
            for table in source.get("tables") or []:
                typed += _type_columns(table, types.get(sources.get((source.get("name"), table.get("name")), "")))
        write_text_atomically(path, yaml_text(document))
    return typed


def _type_columns(node: dict, built: dict[str, str] | None) -> int:
    """One model's (or source table's) columns typed as built; untyped when it was not built."""
    columns = node.get("columns") or []
    if built is None:
        for column in columns:
            column.pop("data_type", None)
        return 0
    # the YAML holds names as the writer made them inert for Jinja; a built name is the source's text
    built = {inert(name): data_type for name, data_type in built.items()}
    listed = {column.get("name") for column in columns}
    for column in columns:
        if column.get("name") in built:
            column["data_type"] = built[column["name"]]
        else:
            column.pop("data_type", None)
    columns += [{"name": name, "data_type": data_type} for name, data_type in built.items() if name not in listed]
    if columns:
        node["columns"] = columns
    return sum(1 for column in columns if "data_type" in column)


def record_built_types(warehouse_url: str, dbt_dir: Path, plan: MigrationPlan, path: Path) -> int:
    """The evaluator's write-back: the built types read, saved to `path` (the capture kit reads
    them) and written into the project's YAML. Returns the number of columns typed."""
    with connect(warehouse_url) as connection:
        types = built_column_types(connection, [plan.project, plan.raw_schema])
    save_column_types(path, types)
    return write_back_column_types(dbt_dir, plan, types)


def save_column_types(path: Path, types: dict[str, dict[str, str]]) -> None:
    write_text_atomically(path, json.dumps(types, indent=1))


def load_column_types(path: Path) -> dict[str, dict[str, str]]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
