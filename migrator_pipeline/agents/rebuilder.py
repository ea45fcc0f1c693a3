"""The rebuilder: a LangGraph graph per failed model that repairs it and rebuilds only that model.

    fixup -> rebuild -> done | fixup (until passed or the attempt budget is spent)
      \\-> llm_repair (when no deterministic fix-up applies and an LLM is configured)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypedDict

from langgraph.graph import END, START, StateGraph

from migrator_pipeline.agents.drafts import LlmUsage
from migrator_pipeline.agents.llm import LlmClient
from migrator_pipeline.dbt_project.fixups import repair
from migrator_pipeline.dbt_project.jinja_sql import single_select_error
from migrator_pipeline.dbt_project.results import TestReport

MAX_REPAIR_ATTEMPTS = 3
REPAIR_PROMPT = (
    "This PostgreSQL dbt model, migrated from SQL Server, fails to build. Fix it without changing "
    "its meaning; keep Jinja such as {{ ref('x') }} as it is. Reply with one ```sql block."
)

# (model name, new sql) -> the report of rebuilding that model and what depends on it
Rebuild = Callable[[str, str], TestReport]


class RepairState(TypedDict, total=False):
    name: str
    sql: str
    error: str
    attempts: int
    fixes: list[str]
    passed: bool
    stuck: bool
    report: TestReport
    usage: LlmUsage


@dataclass
class RepairOutcome:
    name: str
    passed: bool
    attempts: int
    fixes: list[str] = field(default_factory=list)
    error: str | None = None
    sql: str | None = None
    usage: LlmUsage = field(default_factory=LlmUsage)

    @staticmethod
    def save_all(outcomes: list[RepairOutcome], path: Path) -> None:
        path.write_text(json.dumps([asdict(o) for o in outcomes], indent=1), encoding="utf-8")

    @staticmethod
    def load_all(path: Path) -> list[RepairOutcome]:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [RepairOutcome(**{**o, "usage": LlmUsage(**o["usage"])}) for o in raw]


def build_rebuilder_graph(rebuild: Rebuild, llm: LlmClient | None):
    def fixup(state: RepairState) -> RepairState:
        repaired = repair(state["sql"], state.get("error") or "")
        if repaired is None:
            return {"stuck": True}
        sql, fix_name = repaired
        return {"sql": sql, "fixes": state.get("fixes", []) + [fix_name], "stuck": False}

    def llm_repair(state: RepairState) -> RepairState:
        usage = state.get("usage") or LlmUsage()
        try:
            reply = llm.complete(REPAIR_PROMPT, f"```sql\n{state['sql']}\n```\nError: {state['error']}")
        except Exception as error:  # a dead or slow API is an outcome, not a crash
            return {"stuck": True, "error": f"{state['error']} (LLM repair failed: {error})"}
        usage.add(reply.usage)
        sql = reply.sql()
        if sql is None or single_select_error(sql) is not None:
            return {"stuck": True, "usage": usage}
        return {"sql": sql, "fixes": state.get("fixes", []) + ["llm"], "usage": usage, "stuck": False}

    def rebuild_model(state: RepairState) -> RepairState:
        report = rebuild(state["name"], state["sql"])
        node = report.model(state["name"])
        passed = node is not None and not node.failed and not any(
            t.failed for t in report.tests_for(state["name"]))
        error = None if passed else (node.message if node else report.error) or "model did not build"
        return {"report": report, "passed": passed, "error": error,
                "attempts": state.get("attempts", 0) + 1}

    def after_fixup(state: RepairState) -> str:
        if not state.get("stuck"):
            return "rebuild"
        return "llm_repair" if llm is not None and "llm" not in state.get("fixes", []) else END

    def after_rebuild(state: RepairState) -> str:
        if state.get("passed") or state["attempts"] >= MAX_REPAIR_ATTEMPTS:
            return END
        return "fixup"

    graph = StateGraph(RepairState)
    graph.add_node("fixup", fixup)
    graph.add_node("llm_repair", llm_repair)
    graph.add_node("rebuild", rebuild_model)
    graph.add_edge(START, "fixup")
    graph.add_conditional_edges("fixup", after_fixup, ["rebuild", "llm_repair", END])
    graph.add_conditional_edges("llm_repair", lambda s: END if s.get("stuck") else "rebuild",
                                ["rebuild", END])
    graph.add_conditional_edges("rebuild", after_rebuild, ["fixup", END])
    return graph.compile()


def repair_models(failed: dict[str, tuple[str, str]], rebuild: Rebuild,
                  llm: LlmClient | None = None) -> tuple[list[RepairOutcome], TestReport]:
    """`failed` maps model name -> (current sql, error). Returns outcomes and the merged evidence."""
    graph = build_rebuilder_graph(rebuild, llm)
    outcomes: list[RepairOutcome] = []
    evidence = TestReport()
    for name, (sql, error) in failed.items():
        final = graph.invoke({"name": name, "sql": sql, "error": error, "attempts": 0, "fixes": []})
        if final.get("report") is not None:
            evidence = evidence.merge(final["report"])
        outcomes.append(RepairOutcome(
            name=name, passed=bool(final.get("passed")), attempts=final.get("attempts", 0),
            fixes=final.get("fixes", []), error=None if final.get("passed") else final.get("error"),
            sql=final.get("sql") if final.get("fixes") else None,
            usage=final.get("usage") or LlmUsage(),
        ))
    return outcomes, evidence
