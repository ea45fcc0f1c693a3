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


_DEV_STOPS: list[Callable[[], None]] = []  # how to stop the running `migrator dev`, once its tests are done


@pytest.fixture(scope="session")
def dagster_dev(migrator_home, warehouse_url, tmp_path_factory) -> Iterator[DagsterDev]:
    """One `migrator dev` (webserver, daemon and its sensors) on a free loopback port for the
    session, on the session's MIGRATOR_HOME and embedded server. The tests that use it stay
    independent by using project names of their own; they run together (pytest_collection_modifyitems)
    and it stops after the last of them (pytest_runtest_teardown): while it runs, every migration
    under the home asks its webserver to reload, and its daemon ticks. Its process group is
    stopped whatever happens."""
    log = tmp_path_factory.mktemp("dagster_dev") / "dev.log"
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen([MIGRATOR, "dev", "-p", str(port), "-h", "127.0.0.1"], stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    dev = DagsterDev(port, log)

    def stop() -> None:
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    _DEV_STOPS.append(stop)
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
        stop()


def _uses_dev(item: pytest.Item | None) -> bool:
    return item is not None and "dagster_dev" in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """`migrator dev` stops after the last test that uses it, not at the end of the session: the
    rest of the session's migrations then neither ask it to reload nor share the machine with it.
    Its tests run one after the other (one xdist group, sorted together), so none comes later."""
    if _uses_dev(item) and not _uses_dev(nextitem):
        while _DEV_STOPS:
            _DEV_STOPS.pop()()


# The modules whose tests use `dagster_dev`: pytest-xdist runs them on one worker, one after the
# other, so one `migrator dev` serves them all. The scheduler reads module paths, not fixtures, so
# a module that starts using `dagster_dev` is added here (collection says so if it is not).
DEV_MODULES = frozenset({"tests/test_browser.py", "tests/test_code_location_reload.py", "tests/test_graphql.py",
                         "tests/test_webserver.py"})


def _module(nodeid: str) -> str:
    return nodeid.split("::")[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The order the tests run in. Across pytest-xdist workers (`-n 2 --dist loadfile`, the default)
    each module is one unit of work on one worker (its module-scoped fixtures, a migration or a
    server, are set up once), and the `migrator dev` modules are one unit (pytest_xdist_make_scheduler);
    the units go out in this order (`--no-loadscope-reorder`): the `migrator dev` unit, its tests
    that use it first, then the modules with slow tests, then the rest, so the long units start
    early and the many short ones fill in while the other worker ends its last long one. Run alone,
    without workers, the `migrator dev` tests run last: its idle daemon shares the machine with
    nothing else."""
    strays = sorted({_module(item.nodeid) for item in items if _uses_dev(item)} - DEV_MODULES)
    if strays:
        raise pytest.UsageError(f"{', '.join(strays)} use dagster_dev: add them to DEV_MODULES in tests/conftest.py")
    workers = "PYTEST_XDIST_WORKER" in os.environ  # xdist collects in the workers only
    slow_modules = {_module(item.nodeid) for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> int:
        if not workers:
            return _uses_dev(item)
        if _module(item.nodeid) in DEV_MODULES:
            return 0 if _uses_dev(item) else 1
        return 2 if _module(item.nodeid) in slow_modules else 3

    items.sort(key=rank)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadfile`, with the `migrator dev` modules as one file. (pytest-xdist's own
    `--dist loadgroup` cannot do it under pytest 9.2: it renames items through `item._nodeid`,
    which pytest no longer reads, so every test is scheduled alone and the groups are ignored.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ModulesScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = _module(nodeid)
            return "dagster_dev" if module in DEV_MODULES else module

    return ModulesScheduling(config, log)
