"""Shared fixtures: one real embedded PostgreSQL per test session, under a temporary MIGRATOR_HOME."""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping

import psycopg2
import pytest


@pytest.fixture(scope="session")
def migrator_home(tmp_path_factory) -> Iterator:
    home = tmp_path_factory.mktemp("migrator_home")
    previous = os.environ.get("MIGRATOR_HOME")
    os.environ["MIGRATOR_HOME"] = str(home)
    os.environ.pop("MIGRATOR_WAREHOUSE_URL", None)
    os.environ.pop("MIGRATOR_DAGSTER_STORAGE_URL", None)
    yield home
    from migrator_pipeline.warehouse.embedded import stop_embedded_server

    stop_embedded_server()
    if previous is None:
        os.environ.pop("MIGRATOR_HOME", None)
    else:
        os.environ["MIGRATOR_HOME"] = previous


@pytest.fixture(scope="session")
def warehouse_url(migrator_home) -> str:
    from migrator_pipeline.settings import warehouse_url as resolve

    return resolve()


@pytest.fixture
def pg(warehouse_url):
    """A cursor on the real warehouse, inside a scratch schema that is dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    with contextlib.closing(psycopg2.connect(warehouse_url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"create schema {schema}")
            cur.execute(f"set search_path to {schema}, public")
            try:
                yield cur
            finally:
                cur.execute(f"drop schema {schema} cascade")


_JINJA_RELATION = re.compile(r"\{\{\s*(?:ref\('(\w+)'\)|source\('(\w+)',\s*'(\w+)'\))\s*\}\}")


def render_relations(sql: str) -> str:
    """`{{ ref('x') }}` -> x and `{{ source('s', 'x') }}` -> s__x: tables of the scratch schema."""
    return _JINJA_RELATION.sub(lambda m: m[1] or f"{m[2]}__{m[3]}", sql)


@pytest.fixture
def run_tsql(pg, request) -> Callable[..., list[tuple]]:
    """`run_tsql(tsql)`: the T-SQL translated for PostgreSQL, run in the `pg` scratch schema, and
    the rows it returns. Relations and column types default to the test module's RELATIONS and
    COLUMN_TYPES; the dbt relations the translation writes are rendered as scratch tables."""
    from migrator_pipeline.tsql.translate import translate_select

    def run(tsql: str, relations: Mapping[str, str] | None = None,
            column_types: Mapping[str, Mapping[str, str]] | None = None) -> list[tuple]:
        sql = translate_select(
            tsql,
            relations=getattr(request.module, "RELATIONS", {}) if relations is None else relations,
            column_types=getattr(request.module, "COLUMN_TYPES", None) if column_types is None else column_types)
        pg.execute(render_relations(sql))
        return pg.fetchall()

    return run
