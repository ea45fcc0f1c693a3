"""The rebuilder: a LangGraph graph per failed model that repairs it and rebuilds only that model.

    fixup -> rebuild -> done | fixup (until passed or the attempt budget is spent)
      \\-> llm_repair (when no deterministic fix-up applies and an LLM is configured)

The LLM repair is given the dbt error, the compiled SQL and, when SQL Server's rows are known,
the row differences; a model whose rows differ is not passed, and goes round again. Its reply
is validated as data (agents/validation.py) before anything is rebuilt.

Resume: with a checkpointer (agents/checkpoints.py) and the LLM on, each model's graph state is
kept after every node, one thread per model and input, as for the executor. A run killed
mid-step and started again resumes each model from its last node, so no answer is asked for
twice. A model whose repair had finished is not asked again either, but its repaired SQL is
rebuilt once: a re-run writes a fresh dbt project, which holds the model as drafted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

from migrator_pipeline.agents import prompts
from migrator_pipeline.agents.checkpoints import thread_id
from migrator_pipeline.agents.llm import BudgetExhausted, LlmClient
from migrator_pipeline.agents.validation import validate_reply
from migrator_pipeline.dbt_project.fixups import repair
from migrator_pipeline.dbt_project.results import BuildReport
from migrator_pipeline.drafts import LlmUsage, RepairOutcome

MAX_REPAIR_ATTEMPTS = 3
MAX_LLM_REPAIRS = 2

# (model name, new sql) -> the report of rebuilding that model and what depends on it
Rebuild = Callable[[str, str], BuildReport]
# model name -> how its rows differ from SQL Server's (None: equal, or nothing to compare with)
RowCheck = Callable[[str], str | None]


@dataclass
class RepairContext:
    """What a repair may read and must produce: the project's relations and macros, the model's
    columns, and the compiled SQL of the failed build."""

    relations: Mapping[str, str] = field(default_factory=dict)
    macros: Sequence[str] = ()
    columns: Mapping[str, list[str]] = field(default_factory=dict)  # model name -> its columns
    compiled_sql: Mapping[str, str] = field(default_factory=dict)  # model name -> compiled SQL


class RepairState(TypedDict, total=False):
    name: str
    sql: str
    error: str
    attempts: int
    fixes: list[str]
    passed: bool
    stuck: bool
    report: BuildReport
    usage: LlmUsage
    llm_repairs: int
    rejections: list[str]
    row_differences: str | None
    accepted: bool  # the last LLM repair passed validation


def build_rebuilder_graph(rebuild: Rebuild, llm: LlmClient | None, context: RepairContext | None = None,
                          check_rows: RowCheck | None = None, checkpointer=None):
    # imported when the step runs: the code location loads fast without it (bench_definitions_load.py)
    from langgraph.graph import END, START, StateGraph

    context = context or RepairContext()

    def fixup(state: RepairState) -> RepairState:
        if state.get("row_differences"):  # the SQL builds; only a rewrite can change its rows
            return {"stuck": True}
        repaired = repair(state["sql"], state.get("error") or "")
        if repaired is None:
            return {"stuck": True}
        sql, fix_name = repaired
        return {"sql": sql, "fixes": state.get("fixes", []) + [fix_name], "stuck": False}

    def llm_repair(state: RepairState) -> RepairState:
        name = state["name"]
        usage = state.get("usage") or LlmUsage()
        rejections = list(state.get("rejections") or [])
        counted = {"llm_repairs": state.get("llm_repairs", 0) + 1}
        prompt = prompts.repair_prompt(state["sql"], state.get("error") or "",
                                       context.compiled_sql.get(name), state.get("row_differences"),
                                       rejections[-1] if rejections else None)
        try:
            reply = llm.complete(prompts.CONVENTIONS, prompt, prompts.PROMPT_VERSION)
        except BudgetExhausted:
            return {**counted, "stuck": True, "error": f"{state['error']} (budget exhausted)"}
        except Exception as error:  # a dead or slow API is an outcome, not a crash
            return {**counted, "stuck": True, "error": f"{state['error']} (LLM repair failed: {error})"}
        usage.add(reply.usage)
        verdict = validate_reply(reply.text, dialect="postgres", relations=context.relations,
                                 target_columns=context.columns.get(name), macros=context.macros)
        if not verdict.ok:
            return {**counted, "usage": usage, "stuck": False, "accepted": False,
                    "rejections": rejections + [f"repair rejected: {verdict.reason}"]}
        return {**counted, "sql": verdict.sql, "fixes": state.get("fixes", []) + ["llm"], "usage": usage,
                "stuck": False, "accepted": True, "row_differences": None}

    def rebuild_model(state: RepairState) -> RepairState:
        return {**rebuilt(state["name"], state["sql"], rebuild, check_rows),
                "attempts": state.get("attempts", 0) + 1}

    def llm_left(state: RepairState) -> bool:
        return llm is not None and state.get("llm_repairs", 0) < MAX_LLM_REPAIRS

    def after_fixup(state: RepairState) -> str:
        if not state.get("stuck"):
            return "rebuild"
        return "llm_repair" if llm_left(state) else END

    def after_llm_repair(state: RepairState) -> str:
        if state.get("stuck"):
            return END
        if state.get("accepted"):
            return "rebuild" if state.get("attempts", 0) < MAX_REPAIR_ATTEMPTS else END
        return "llm_repair" if llm_left(state) else END  # rejected: ask again while attempts remain

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
    graph.add_conditional_edges("llm_repair", after_llm_repair, ["rebuild", "llm_repair", END])
    graph.add_conditional_edges("rebuild", after_rebuild, ["fixup", END])
    return graph.compile(checkpointer=checkpointer)


def rebuilt(name: str, sql: str, rebuild: Rebuild, check_rows: RowCheck | None) -> RepairState:
    """Rebuild one model and judge it: passed when it and its tests built and, where SQL Server's
    rows are known, its rows equal them."""
    report = rebuild(name, sql)
    node = report.model(name)
    passed = node is not None and not node.failed and not any(t.failed for t in report.tests_for(name))
    error = None if passed else (node.message if node else report.error) or "model did not build"
    differences = check_rows(name) if passed and check_rows else None
    if differences:
        passed, error = False, f"rows differ from SQL Server's: {differences.splitlines()[0]}"
    return {"report": report, "passed": passed, "error": error, "row_differences": differences}


def repair_models(failed: dict[str, tuple[str, str]], rebuild: Rebuild,
                  llm: LlmClient | None = None, context: RepairContext | None = None,
                  check_rows: RowCheck | None = None, checkpointer=None,
                  project: str = "") -> tuple[list[RepairOutcome], BuildReport]:
    """`failed` maps model name -> (current sql, error). Returns outcomes and the merged evidence.
    With a `checkpointer` and the LLM on, a killed run's re-run resumes (module docstring); the
    threads are deleted once every model is done."""
    if llm is None:  # fix-ups alone cost nothing: nothing worth resuming
        checkpointer = None
    graph = build_rebuilder_graph(rebuild, llm, context, check_rows, checkpointer)
    outcomes: list[RepairOutcome] = []
    evidence = BuildReport()
    threads = []
    for name, (sql, error) in failed.items():
        # a model that builds but returns other rows than SQL Server's comes with no dbt error
        differences = check_rows(name) if check_rows and not error else None
        if differences:
            error = f"rows differ from SQL Server's: {differences.splitlines()[0]}"
        start = {"name": name, "sql": sql, "error": error, "attempts": 0, "fixes": [],
                 "row_differences": differences}
        # "repair:": never the executor's thread of the same model
        thread = thread_id(project, f"repair:{name}", sql, error or "", differences or "", llm.model,
                           prompts.PROMPT_VERSION) if checkpointer else None
        final = _invoke(graph, start, thread, rebuild, check_rows)
        if thread:
            threads.append(thread)
        if final.get("report") is not None:
            evidence = evidence.merge(final["report"])
        outcomes.append(RepairOutcome(
            name=name, passed=bool(final.get("passed")), attempts=final.get("attempts", 0),
            fixes=final.get("fixes", []), error=None if final.get("passed") else final.get("error"),
            sql=final.get("sql") if final.get("fixes") else None,
            usage=final.get("usage") or LlmUsage(), rejections=final.get("rejections") or [],
        ))
    for thread in threads:
        checkpointer.delete_thread(thread)
    return outcomes, evidence


def _invoke(graph, start: RepairState, thread: str | None, rebuild: Rebuild,
            check_rows: RowCheck | None) -> RepairState:
    if thread is None:
        return graph.invoke(start)
    config = {"configurable": {"thread_id": thread}}
    saved = graph.get_state(config)
    if saved.values and not saved.next:  # finished before the kill: nothing to ask again
        final = dict(saved.values)
        if final.get("fixes"):  # this run's project holds the model as drafted: rebuild the repair
            final.update(rebuilt(final["name"], final["sql"], rebuild, check_rows))
        return final
    # "sync": each node's state is written before the next runs, so a kill loses no answer
    if saved.next:  # cut off mid-graph: resume from its last node
        return graph.invoke(None, config, durability="sync")
    return graph.invoke(start, config, durability="sync")
