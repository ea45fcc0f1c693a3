"""One bad model never sinks the project: what dbt rejects while parsing is disabled, the rest builds.

dbt parses the whole project before it builds anything, so one model with a Jinja error, a ref
to a node that is missing or disabled, or a dependency cycle makes every model fail. Before the
build; when dbt rejects the project, the models its error names (by unique
id or file path) are disabled with that error as their reason, together with every model that
refs them, and dbt parses again, a bounded number of times. A project dbt takes costs no
extra parse: the tester isolates only after a build that dbt refused to start.
"""

from __future__ import annotations

import graphlib
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from migrator_pipeline.dbt_project.results import BuildReport, NodeResult
from migrator_pipeline.dbt_project.writer import write_disabled
from migrator_pipeline.planning.model import MigrationPlan

MAX_PARSE_ROUNDS = 8
_NODE_ID = re.compile(r"\b(?:model|snapshot|analysis)\.\w+\.(\w+)\b")
_NODE_FILE = re.compile(r"\b(?:models|snapshots|analyses)/(?:[\w.-]+/)*(\w+)\.sql\b")
_DBT_LOG_MARKER = "Errors parsed from dbt logs:"


def parse_error_message(error: str) -> str:
    """dbt's own words from a failed invocation's error, on one line."""
    text = error.split(_DBT_LOG_MARKER, 1)[-1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if line != "Encountered an error:"]
    return " ".join(lines)[:500]


def rejected_models(error: str, plan: MigrationPlan) -> dict[str, str]:
    """The planned models a dbt parse error names: model name -> the reason to record."""
    message = parse_error_message(error)
    names = [m[1] for m in _NODE_ID.finditer(message)] + [m[1] for m in _NODE_FILE.finditer(message)]
    reason = f"dbt rejected it while parsing the project: {message}"
    return {name: reason for name in dict.fromkeys(names) if plan.model(name) is not None}


def dependents(names: Mapping[str, str], sql_by_model: Mapping[str, str],
               why: str = "dbt could not take it") -> dict[str, str]:
    """Every model that refs one of `names`, directly or not: model name -> why it goes too."""
    found: dict[str, str] = {}
    pending = list(names)
    while pending:
        parent = pending.pop()
        pattern = re.compile(r"\bref\(\s*['\"]%s['\"]\s*\)" % re.escape(parent))
        for name, sql in sql_by_model.items():
            if name not in names and name not in found and pattern.search(sql):
                found[name] = f"depends on {parent}: {why}"
                pending.append(name)
    return found


def disable_dependents_of_undrafted(dbt_dir: Path, plan: MigrationPlan,
                                    sql_by_model: Mapping[str, str]) -> dict[str, str]:
    """A model that refs a model without a draft (never written) would fail dbt's parse:
    it is disabled, with what refs it, before dbt runs. Returns model name -> reason."""
    undrafted = {m.name: "no draft" for m in plan.models if m.name not in sql_by_model}
    disabled = dependents(undrafted, sql_by_model, "it has no draft")
    write_disabled(dbt_dir, plan, dict(sql_by_model), disabled)
    return disabled


def isolate_parse_failures(dbt_dir: Path, plan: MigrationPlan, sql_by_model: Mapping[str, str],
                           parse: Callable[[], str | None],
                           disabled: Mapping[str, str] | None = None) -> tuple[dict[str, str], str | None]:
    """Parse the written project until dbt accepts it, disabling what it rejects. `parse`
    returns dbt's error, or None when the project parsed; `disabled` are models disabled
    already. Returns model name -> reason for every model disabled, and dbt's error when it
    still rejects the project (then no model can be blamed, or the rounds ran out)."""
    disabled = dict(disabled or {})
    for _ in range(MAX_PARSE_ROUNDS):
        error = parse() or manifest_cycle(dbt_dir / "target" / "manifest.json")
        if error is None:
            return disabled, None
        rejected = {n: r for n, r in rejected_models(error, plan).items()
                    if n not in disabled and n in sql_by_model}
        if not rejected:
            return disabled, parse_error_message(error)
        rejected.update(dependents(rejected, {n: s for n, s in sql_by_model.items() if n not in disabled}))
        write_disabled(dbt_dir, plan, sql_by_model, rejected)
        disabled.update(rejected)
    return disabled, "dbt still rejected the project after disabling " + ", ".join(sorted(disabled))


def manifest_cycle(manifest_path: Path) -> str | None:
    """dbt parses a project with a dependency cycle and only fails when it builds: the cycle
    in the parsed manifest, in dbt's words, or None."""
    if not manifest_path.exists():
        return None
    parents = json.loads(manifest_path.read_text(encoding="utf-8")).get("parent_map", {})
    try:
        graphlib.TopologicalSorter(parents).prepare()
    except graphlib.CycleError as error:
        return "Found a cycle: " + " --> ".join(error.args[1])
    return None


def with_disabled(report: BuildReport, plan: MigrationPlan, disabled: Mapping[str, str]) -> BuildReport:
    """The report with each disabled model as a failed node carrying its reason."""
    nodes = [NodeResult(f"{planned.resource}.{plan.project}.{name}", name, planned.resource, "error", reason)
             for name, reason in disabled.items() if (planned := plan.model(name)) is not None]
    return BuildReport(report.nodes + nodes, report.row_counts, report.invocations, report.error)
