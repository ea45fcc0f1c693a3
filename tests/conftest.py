"""Shared fixtures: one real embedded PostgreSQL per test session, under a temporary MIGRATOR_HOME,
and one real `migrator dev` (webserver and daemon) for the tests that drive the UI or GraphQL."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

MIGRATOR = os.path.join(os.path.dirname(sys.executable), "migrator")
DEV_START_SECONDS = 300  # `migrator dev` answering: about 20 s idle, minutes on a loaded machine


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class DagsterDev:
    """A running `migrator dev`: its loopback port, base URL, GraphQL client and output."""

    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def client(self):
        from dagster_graphql import DagsterGraphQLClient

        return DagsterGraphQLClient("127.0.0.1", port_number=self.port)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture(scope="session")
def dagster_dev(migrator_home, warehouse_url, tmp_path_factory) -> Iterator[DagsterDev]:
    """One `migrator dev` (webserver, daemon and its sensors) on a free loopback port for the
    session, on the session's MIGRATOR_HOME and embedded server. The tests that use it stay
    independent by using project names of their own; they run last (pytest_collection_modifyitems)
    so the server is up only while they run. Its process group is stopped whatever happens."""
    log = tmp_path_factory.mktemp("dagster_dev") / "dev.log"
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen([MIGRATOR, "dev", "-p", str(port), "-h", "127.0.0.1"], stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    dev = DagsterDev(port, log)
    try:
        deadline = time.monotonic() + DEV_START_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{dev.url}/server_info", timeout=5)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"migrator dev ended with {process.returncode}:\n{dev.log_tail()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"migrator dev did not come up within {DEV_START_SECONDS} s:\n{dev.log_tail()}")
                time.sleep(0.5)
        yield dev
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests that use the shared `migrator dev` run together, so it starts once. Run alone,
    they run last: its idle daemon does not share the machine with the rest of the suite. Across
    pytest-xdist workers (`-n 2`, the default) they are one group on one worker and run first,
    so the other worker takes the rest meanwhile instead of waiting idle at the end."""
    uses_dev = {item for item in items if "dagster_dev" in getattr(item, "fixturenames", ())}
    workers = "PYTEST_XDIST_WORKER" in os.environ  # xdist collects in the workers only
    for item in uses_dev:
        item.add_marker(pytest.mark.xdist_group("dagster_dev"))
    items.sort(key=lambda item: (item in uses_dev) != workers)
