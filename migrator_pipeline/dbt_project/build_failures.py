"""What a dbt build left failing, read for the rebuilder: which drafted models failed and why,
what dbt compiled for them, and, after the repairs, which models to disable.

The rebuilder's asset gathers its inputs and calls these; the reading of dbt's results and
manifest stays here, beside results.py, where dbt's artifacts are understood.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from migrator_pipeline.dbt_project.results import RELATIONS, BuildReport
from migrator_pipeline.dbt_project.writer import disable_failed_models
from migrator_pipeline.planning.model import MigrationPlan


def failed_drafts(report: BuildReport, sql_by_model: Mapping[str, str | None]) -> dict[str, tuple[str, str]]:
    """The models that failed the build and have drafted SQL to repair: name -> (sql, dbt's message)."""
    failed = {}
    for name in report.failed_models():
        sql = sql_by_model.get(name)
        if sql:
            failed[name] = (sql, report.model(name).message or "")
    return failed


def compiled_sql(dbt_dir: Path, names: Iterable[str]) -> dict[str, str]:
    """What dbt ran for each failed model, for the LLM repair's context."""
    compiled = {}
    for name in names:
        found = next(iter((dbt_dir / "target" / "compiled").glob(f"**/{name}.sql")), None)
        if found is not None:
            compiled[name] = found.read_text(encoding="utf-8")
    return compiled


def not_passed(report: BuildReport) -> dict[str, str]:
    """Models that did not build, or whose data failed a test: model name -> why."""
    failures = {}
    for node in report.nodes:
        if node.resource_type in RELATIONS and node.status != "success":
            failures[node.name] = node.message or node.status
        elif node.resource_type == "test" and node.failed and report.model(node.attached_to or ""):
            failures.setdefault(node.attached_to, f"dbt test {node.name} failed: {node.message}")
    return failures


def read_manifest(dbt_dir: Path) -> dict:
    """dbt's manifest of the last build or parse; empty when dbt never wrote one."""
    path = dbt_dir / "target" / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def disable_unpassed_models(dbt_dir: Path, plan: MigrationPlan, sql_by_model: Mapping[str, str],
                            final: BuildReport) -> dict[str, str]:
    """After the repairs: disable each model that still does not pass, and what reads it (from
    the manifest), so the project builds clean. Returns model name -> why it was disabled."""
    return disable_failed_models(dbt_dir, plan, dict(sql_by_model), not_passed(final), read_manifest(dbt_dir))
