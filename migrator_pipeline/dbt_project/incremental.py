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
from dataclasses import dataclass
from pathlib import Path

from migrator_pipeline.dbt_project.results import RELATIONS, BuildReport
from migrator_pipeline.atomic_files import write_text_atomically
from migrator_pipeline.fingerprints import StepState, file_digest, project_tree_digest
from migrator_pipeline.warehouse.loading import VIEWS_AND_TABLES, LoadReport, existing_relations

STATE_DIR = "dbt_state"
PROJECT_DIGEST = "project.sha256"  # beside the state's manifest: the project files it was parsed from


def save_state(dbt_dir: Path, state_dir: Path) -> None:
    """Keep the manifest dbt last wrote as the state the next run compares with, and the hash
    of the project's files it was parsed from."""
    manifest = dbt_dir / "target" / "manifest.json"
    if not manifest.exists():
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / PROJECT_DIGEST).unlink(missing_ok=True)  # never beside a manifest it was not made with
    temporary = state_dir / "manifest.json.tmp"
    shutil.copyfile(manifest, temporary)
    temporary.replace(state_dir / "manifest.json")
    write_text_atomically(state_dir / PROJECT_DIGEST, project_tree_digest(dbt_dir) or "")


def forget_state(state_dir: Path) -> None:
    """A build that did not finish: the next run compares with nothing and builds everything."""
    (state_dir / "manifest.json").unlink(missing_ok=True)
    (state_dir / PROJECT_DIGEST).unlink(missing_ok=True)


def project_as_in_state(dbt_dir: Path, state_dir: Path) -> bool:
    """The project's files are byte for byte those the state's manifest was parsed from: dbt's
    `state:modified` would select nothing."""
    try:
        recorded = (state_dir / PROJECT_DIGEST).read_text(encoding="utf-8")
    except OSError:
        return False
    return bool(recorded) and recorded == project_tree_digest(dbt_dir)


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


@dataclass(frozen=True)
class EarlierBuild:
    """What the last run built, when this run may build only what changed since."""

    report: BuildReport  # the last run's final evidence, for the nodes built then
    manifest: dict  # the state: the manifest of the project as built then
    changed_tables: list[str]  # raw tables reloaded since


def earlier_build(state: StepState, url: str, schema: str, base: str | None, build_report: Path,
                  final_report: Path, load_report: Path) -> EarlierBuild | None:
    """The last run's build, when its state manifest, its report and the project's schema still
    hold, and the tool, settings and warehouse (`base`, recorded by the tester) are the same;
    else None: build everything. The report is the rebuilder's final one when the state is the
    project as the rebuilder left it, else the tester's."""
    last = state.previous("test_report")
    manifest = read_manifest(state.root / STATE_DIR / "manifest.json")
    if last is None or manifest is None or base is None or last.details.get("base") != base:
        return None
    if existing_relations(url, schema, VIEWS_AND_TABLES) is None:
        return None
    repaired, current = state.previous("repaired_models"), state_digest(state.root)
    if repaired is not None and repaired.details.get("state") == current and final_report.exists():
        report = BuildReport.load(final_report)
    elif last.details.get("state") == current and build_report.exists():
        report = BuildReport.load(build_report)
    else:
        return None
    before = json.loads(last.details.get("tables") or "{}")
    changed = [r for r, f in table_fingerprints(load_report).items() if before.get(r) != f]
    return EarlierBuild(report, manifest, changed)


def changed_selection(earlier: EarlierBuild, url: str, schema: str) -> tuple[str, set[str]]:
    """The selection for this build, and the relations in the project's schema now."""
    existing = existing_relations(url, schema, VIEWS_AND_TABLES) or set()
    missing = [name for name in built_relations(earlier.report) if name.lower() not in existing]
    return selection(source_selectors(earlier.manifest, earlier.changed_tables), missing), existing


def nothing_selected(select: str, dbt_dir: Path, state_dir: Path) -> bool:
    """No raw table a source reads was reloaded, no model is missing, and the project is the one
    the state was parsed from: the build would select no node, so dbt need not start."""
    return select == selection([], []) and project_as_in_state(dbt_dir, state_dir)


def stale_relations(existing: set[str], manifest: dict | None, schema: str) -> set[str]:
    """Relations in the project's schema that no enabled model builds (a model gone or disabled,
    or a table made by hand): a full build from an empty schema would not have them. None when
    the manifest names no relation there (then nothing is known to be stale)."""
    built = relation_names(manifest or {}, schema)
    return existing - built if built else set()


def state_digest(root: Path) -> str | None:
    return file_digest(root / STATE_DIR / "manifest.json")


def table_fingerprints(load_report: Path) -> dict[str, str | None]:
    """Raw relation -> the fingerprint of what is loaded in it."""
    return {t.relation: t.fingerprint for t in LoadReport.load(load_report).tables}


def missing_models(url: str, schema: str, final_report: Path) -> bool:
    """Whether a model the last build built is gone from the warehouse (dropped with a raw table)."""
    if not final_report.exists():
        return True
    existing = existing_relations(url, schema, VIEWS_AND_TABLES) or set()
    return any(name.lower() not in existing for name in built_relations(BuildReport.load(final_report)))


def dbt_project_unchanged(state: StepState) -> bool:
    """The generated dbt project is as the last step that wrote it left it."""
    last = state.previous(DBT_PROJECT_RECORD)
    return last is not None and last.outputs.get("dbt") == state.output_digest("dbt")


def record_dbt_project(state: StepState) -> None:
    state.record(DBT_PROJECT_RECORD, "", ["dbt"])


DBT_PROJECT_RECORD = "dbt_project"
