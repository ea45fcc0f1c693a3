"""Resources: thin, configured by their fields. Which ones a deployment runs with (local or
production, EnvVar or default) is decided in defs/environment.py."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
import time
from pathlib import Path

import anthropic
import psycopg2
from psycopg2 import sql
import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_dbt.core.resource import DBT_PYTHON_VERSION

from migrator_pipeline.agents.llm import DEFAULT_MODEL, Budget, LlmClient, price_of
from migrator_pipeline.agents.response_cache import PostgresResponseCache
from migrator_pipeline.dbt_project.results import RELATIONS, BuildReport, read_run_results
from migrator_pipeline.drafts import LlmUsage
from migrator_pipeline.warehouse.connection import connect, dbt_connection_environment
from migrator_pipeline.warehouse.embedded import embedded_url


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse, by libpq URL. Empty url: the embedded server under
    MIGRATOR_HOME, started on first use (not when the code location loads)."""

    url: str = ""

    def resolved_url(self) -> str:
        return self.url or embedded_url("warehouse")


class DbtResource(dg.ConfigurableResource):
    """Runs dbt in place on a generated project through dagster-dbt's DbtCliResource."""

    threads: int = 4

    def build(self, dbt_dir: Path, warehouse_url: str, schema: str, select: str | None = None,
              full_refresh: bool = True, state: Path | None = None) -> BuildReport:
        """`state`: the previous run's manifest folder, for a `select` of `state:modified+`."""
        dbt = dbt_cli(dbt_dir)
        args = ["build", "--threads", str(self.threads)]
        if full_refresh:
            args.append("--full-refresh")
        if select:
            args += ["--select", select]
        if state is not None:
            args += ["--state", str(state)]
        command = "dbt " + " ".join(args)
        started = time.monotonic()
        # an earlier build's results must not pass for this one's when dbt refuses the project
        (dbt_dir / "target" / "run_results.json").unlink(missing_ok=True)
        # dbt's own log is progress, not output: keep stdout for the summary
        # dbt logs in as the project's own role (the schema is named for the project)
        with contextlib.redirect_stdout(sys.stderr), dbt_connection_environment(warehouse_url, schema):
            invocation = dbt.cli(args, raise_on_error=False, target_path=dbt_dir / "target").wait()
        target = dbt_dir / "target"
        if not (target / "run_results.json").exists():
            return BuildReport(invocations=[command], error=_dbt_failure(invocation))
        report = read_run_results(invocation.get_artifact("run_results.json"),
                                  invocation.get_artifact("manifest.json"), command)
        report.row_counts = count_rows(warehouse_url, report, schema)
        report.invocations = [f"{command} ({time.monotonic() - started:.1f}s)"]
        return report


    def parse(self, dbt_dir: Path, warehouse_url: str) -> str | None:
        """Refresh target/manifest.json after model files changed, for the dbt assets to load.
        Returns dbt's error when it rejects the project, None when it parsed."""
        with (contextlib.redirect_stdout(sys.stderr),
              dbt_connection_environment(warehouse_url, dbt_dir.parent.name)):
            invocation = dbt_cli(dbt_dir).cli(["parse"], raise_on_error=False,
                                              target_path=dbt_dir / "target").wait()
        return None if invocation.is_successful() else str(invocation.get_error() or "dbt parse failed")


class DbtCliWithoutAdapter(DbtCliResource):
    """dagster-dbt's DbtCliResource without its in-process dbt adapter. dagster-dbt 0.29 builds
    one before every dbt command (dbt's profile, project and adapter loaded in this process:
    about 3 CPU seconds, the larger part of a one-model re-run's set-up) for the column and row
    metadata of `stream()`; we only `wait()` and read the artifacts. Under another name this
    override does nothing and dagster-dbt builds its adapter as before."""

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - dagster-dbt's signature
        return None


@functools.lru_cache(maxsize=8)
def dbt_cli(dbt_dir: Path) -> DbtCliResource:
    """One DbtCliResource per generated project and process: each new instance asks the dbt
    executable for its version (a 3 s subprocess), which the tester and rebuilder would
    otherwise pay on every build."""
    cli = DbtCliWithoutAdapter(project_dir=os.fspath(dbt_dir), profiles_dir=os.fspath(dbt_dir),
                               dbt_executable=dbt_executable())
    beside = Path(sys.executable).parent / "dbt"
    if DBT_PYTHON_VERSION is not None and beside.exists() and Path(cli.dbt_executable).resolve() == beside.resolve():
        # the dbt beside this Python is the dbt-core installed with it: its version is known without
        # `dbt --version`, a process that imports dbt (seconds; tens on a loaded machine). dagster-dbt
        # 0.29 keeps that version in the cached property `_cli_version`; under another name this
        # line does nothing and dagster-dbt asks dbt as before.
        cli.__dict__["_cli_version"] = DBT_PYTHON_VERSION
    return cli


def dbt_executable() -> str:
    """dbt from PATH, else the one installed beside this Python (a venv that is not activated)."""
    beside = Path(sys.executable).parent / "dbt"
    return shutil.which("dbt") or (os.fspath(beside) if beside.exists() else "dbt")


def count_rows(warehouse_url: str, report: BuildReport, schema: str) -> dict[str, int]:
    """Rows in each model that dbt built: evidence that data flows, not only that SQL compiles."""
    built = [n for n in report.nodes if n.resource_type in RELATIONS and n.status == "success"]
    counts = {}
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        for node in built:
            try:
                # `t::text` reads every column: a plain count(*) lets PostgreSQL skip a view's
                # expressions, and a view whose columns cannot be computed would pass unread
                cur.execute(sql.SQL("select count(*) from {}.{} as t where t::text is not null")
                            .format(sql.Identifier(schema), sql.Identifier(node.name)))
            except psycopg2.Error as error:  # a view that builds but cannot be read fails alone
                conn.rollback()
                node.status, node.message = "error", "reading the relation: " + " ".join(str(error).split())[:240]
                continue
            counts[node.name] = cur.fetchone()[0]
    return counts


def _dbt_failure(invocation) -> str:
    error = invocation.get_error()
    lines = [line for line in str(error or "dbt failed").splitlines() if line.strip()]
    return lines[-1] if lines else "dbt failed"


class LlmResource(dg.ConfigurableResource):
    """Claude for the executor's and rebuilder's LLM paths. Off until enabled and given a key.

    The SDK honours ANTHROPIC_BASE_URL and retries 429/529/5xx/timeouts itself (max_retries),
    honouring retry-after. An unknown model is refused here, before anything is spent."""

    enabled: bool = False
    api_key: str = ""
    model: str = DEFAULT_MODEL
    max_tokens: int = 4096
    temperature: float = 0.0
    timeout_seconds: float = 120.0
    max_retries: int = 4
    concurrency: int = 4
    budget_tokens: int = 0  # per project; 0: no limit
    budget_usd: float = 0.0
    proceed_over_estimate: bool = False  # spend up to the budget even when the estimate exceeds it

    def client(self, warehouse_url: str | None = None, spent: "LlmUsage | None" = None) -> "LlmClient | None":
        """A client for one step of one project. `spent` is what earlier steps of the project
        used, so the budget is the project's, not the step's. With a warehouse, answers are
        kept in its response cache."""
        if not self.enabled or not self.api_key:
            return None
        price_of(self.model)  # UnknownModelPrice: an error at start, never a guessed price
        sdk = anthropic.Anthropic(api_key=self.api_key, timeout=self.timeout_seconds,
                                  max_retries=self.max_retries)
        budget = Budget(self.budget_tokens, self.budget_usd,
                        proceed_over_estimate=self.proceed_over_estimate)
        if spent is not None:
            budget.charge(spent)
        cache = PostgresResponseCache(warehouse_url) if warehouse_url else None
        return LlmClient(sdk, self.model, self.max_tokens, self.temperature, budget=budget,
                         cache=cache, concurrency=self.concurrency)
