"""Rebuilding only what changed: dbt's `state:modified+` against the previous run's manifest.

After each build the manifest dbt wrote is kept as the project's state (`dbt_state/` beside
`dbt/`). The next run writes the project again and builds what dbt finds modified against that
state (a model's SQL, config or macros), what reads a raw table that was reloaded, and what is
missing from the warehouse, each with everything downstream. Every other node keeps the
evidence of the build that made its relation: the previous report's entry.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from migrator_pipeline.dbt_project.results import RELATIONS, BuildReport

STATE_DIR = "dbt_state"


def save_state(dbt_dir: Path, state_dir: Path) -> None:
    """Keep the manifest dbt last wrote as the state the next run compares with."""
    manifest = dbt_dir / "target" / "manifest.json"
    if not manifest.exists():
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    temporary = state_dir / "manifest.json.tmp"
    shutil.copyfile(manifest, temporary)
    temporary.replace(state_dir / "manifest.json")


def forget_state(state_dir: Path) -> None:
    """A build that did not finish: the next run compares with nothing and builds everything."""
    (state_dir / "manifest.json").unlink(missing_ok=True)


def read_manifest(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def source_selectors(manifest: dict, relations: Iterable[str]) -> list[str]:
    """`source:<source>.<table>` for each dbt source over one of `relations` (`schema.table`)."""
    wanted = {relation.lower() for relation in relations}
    selectors = []
    for source in manifest.get("sources", {}).values():
        relation = f"{source.get('schema')}.{source.get('identifier') or source.get('name')}".lower()
        if relation in wanted:
            selectors.append(f"source:{source['source_name']}.{source['name']}")
    return sorted(selectors)


def built_relations(report: BuildReport) -> list[str]:
    """Models and snapshots the report says were built."""
    return [n.name for n in report.nodes if n.resource_type in RELATIONS and n.status == "success"]


def selection(sources: Iterable[str], models: Iterable[str]) -> str:
    """What to build, with everything downstream: what dbt finds modified against the state,
    what reads the given sources, and the given models."""
    return " ".join(["state:modified+", *(f"{s}+" for s in sources), *(f"{m}+" for m in sorted(models))])


def carried_report(previous: BuildReport, manifest: dict, fresh: BuildReport) -> BuildReport:
    """The previous report's nodes that are still in the project (enabled), with the fresh
    build's results in place of theirs: one report, as a full build would have given."""
    enabled = set(manifest.get("nodes", {}))
    kept = BuildReport([n for n in previous.nodes if n.unique_id in enabled],
                       {name: rows for name, rows in previous.row_counts.items()
                        if f"model.{manifest_project(manifest)}.{name}" in enabled
                        or f"snapshot.{manifest_project(manifest)}.{name}" in enabled},
                       [])
    return kept.merge(fresh)


def manifest_project(manifest: dict) -> str:
    return manifest.get("metadata", {}).get("project_name") or ""


def relation_names(manifest: dict, schema: str) -> set[str]:
    """The relations the project's enabled models and snapshots build in `schema`."""
    return {(node.get("alias") or node["name"]).lower() for node in manifest.get("nodes", {}).values()
            if node.get("resource_type") in RELATIONS and (node.get("schema") or "").lower() == schema.lower()}
