"""The executor: a LangGraph graph per planned model, rules first, the LLM only when rules fail.

    rules -> validate -> done
                 \\-> llm_rewrite -> check_rewrite -> rules_on_rewrite -> validate_llm -> done
                          ^   (T-SQL -> set-based T-SQL)                          |
                          +------------- rejected, attempts left -----------------+

The LLM's job is T-SQL -> set-based T-SQL: the deterministic translator then turns its query
into PostgreSQL, so every semantic rewrite (types, collation, dates, `+`) applies to it exactly
as to a hand-written view. When the rules cannot translate its rewrite, the last attempt asks
for PostgreSQL directly (the fallback). Every reply is validated as data before use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TypedDict

import sqlglot
from sqlglot import exp

from migrator_pipeline.agents import prompts
from migrator_pipeline.agents.checkpoints import thread_id
from migrator_pipeline.agents.llm import BudgetExhausted, LlmClient
from migrator_pipeline.agents.validation import validate_reply, validate_sql
from migrator_pipeline.catalog.model import Catalog, SourceObject
from migrator_pipeline.dbt_project.functions import plpgsql_body
from migrator_pipeline.dbt_project.jinja_sql import single_select_error
from migrator_pipeline.drafts import DraftMacro, DraftModel, Drafts, LlmUsage
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel
from migrator_pipeline.planning.parameters import VARIABLE_PREFIX, bind_parameters
from migrator_pipeline.tsql.collation_rewrites import is_case_sensitive
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.translate import (
    TranslationError,
    translate_expression,
    translate_select,
    with_query_types,
)

MAX_LLM_ATTEMPTS = 2


class DraftState(TypedDict, total=False):
    model: PlannedModel
    sql: str | None
    method: str
    attempts: int
    llm_attempts: int
    error: str | None
    valid: bool
    usage: LlmUsage
    mode: str  # what the next LLM attempt writes: "tsql" (the default) or "postgres" (fallback)
    rewrite: str | None  # the LLM's accepted set-based T-SQL, before the rules translate it
    rejections: list[str]  # every rejected LLM attempt, with its reason
    needs_review: bool  # the budget ran out before the LLM could be asked


@dataclass
class TranslationContext:
    relations: Mapping[str, str]
    macros: Mapping[str, str] = field(default_factory=dict)
    column_types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    case_sensitive: bool = False  # the source database's collation is _CS_ or _BIN
    # object key -> (column, SQL Server type) in source order: the LLM's context, nothing more
    columns: Mapping[str, list[tuple[str, str]]] = field(default_factory=dict)
    # function key -> its CREATE statement: for functions the rules could not make a macro of,
    # whose logic the LLM inlines when an object calls them
    functions: Mapping[str, str] = field(default_factory=dict)
    # procedure key -> the procedure, for those with parameters: in a rewrite of their code each
    # `@parameter` becomes a dbt var (planning.parameters), as in the models the rules plan
    procedures: Mapping[str, SourceObject] = field(default_factory=dict)


def build_executor_graph(context: TranslationContext, llm: LlmClient | None, checkpointer=None):
    # imported when the step runs: the code location loads fast without it (bench_definitions_load.py)
    from langgraph.graph import END, START, StateGraph

    def rules(state: DraftState) -> DraftState:
        model = state["model"]
        if model.sql is not None:  # staging models are generated, nothing to translate
            return {"sql": model.sql, "method": "rules", "attempts": 1, "error": None}
        if model.procedural:  # row-by-row code is no query: only a set-based rewrite makes one
            return {"sql": None, "method": "none", "attempts": 1, "error": model.procedural}
        try:
            sql = translate_select(model.tsql, relations=context.relations,
                                   macros=context.macros, column_types=context.column_types,
                                   case_sensitive=context.case_sensitive)
            return {"sql": sql, "method": "rules", "attempts": 1, "error": None}
        except TranslationError as error:
            return {"sql": None, "method": "none", "attempts": 1, "error": str(error)}
        except Exception as error:  # a translator bug must cost one model, never the whole run
            return {"sql": None, "method": "none", "attempts": 1,
                    "error": f"translator failed: {type(error).__name__}: {error}"}

    def validate(state: DraftState) -> DraftState:
        if state.get("sql") is None:
            return {"valid": False}
        problem = single_select_error(state["sql"])
        return {"valid": problem is None, "error": problem,
                "sql": state["sql"] if problem is None else None}

    def ask_llm(state: DraftState) -> DraftState:
        model, mode = state["model"], state.get("mode") or "tsql"
        rejections = list(state.get("rejections") or [])
        attempt = {"llm_attempts": state.get("llm_attempts", 0) + 1, "attempts": state["attempts"] + 1,
                   "sql": None, "rewrite": None, "valid": False}
        previous = rejections[-1] if rejections else None
        prompt = llm_prompt(model, context, mode, previous)
        usage = state.get("usage") or LlmUsage()
        try:
            reply = llm.complete(prompts.CONVENTIONS, prompt, prompts.PROMPT_VERSION)
        except BudgetExhausted:
            return {"needs_review": True, "error": "budget exhausted", "sql": None}
        except Exception as error:  # retries exhausted, timeouts, API errors: a finding, not a crash
            reason = f"LLM call failed: {type(error).__name__}: {error}"
            return {**attempt, "error": reason, "rejections": rejections + [reason]}
        usage.add(reply.usage)
        verdict = validate_reply(reply.text, dialect=mode, relations=context.relations,
                                 target_columns=_target_columns(model, context),
                                 macros=context.macros.values())
        if not verdict.ok:
            reason = f"{'rewrite' if mode == 'tsql' else 'PostgreSQL'} rejected: {verdict.reason}"
            return {**attempt, "usage": usage, "error": reason, "rejections": rejections + [reason]}
        if mode == "tsql":
            return {**attempt, "usage": usage, "rewrite": verdict.sql, "error": None}
        return {**attempt, "usage": usage, "sql": verdict.sql, "method": "llm", "error": None}

    def rules_on_rewrite(state: DraftState) -> DraftState:
        """The LLM's set-based T-SQL goes through the very same rules as any view."""
        model = state["model"]
        tsql = _with_dbt_vars(state["rewrite"], context.procedures.get(model.origin))
        translated = rules({"model": replace(model, tsql=tsql, sql=None, procedural=None)})
        if translated["sql"] is None:
            reason = f"the rules could not translate the rewrite: {translated['error']}"
            # the last attempt falls back to asking for PostgreSQL directly
            return {"error": reason, "mode": "postgres",
                    "rejections": list(state.get("rejections") or []) + [reason]}
        return {"sql": translated["sql"], "method": "rules+llm", "error": None}

    def validate_llm(state: DraftState) -> DraftState:
        verdict = validate_sql(state["sql"], dialect="postgres", relations=context.relations,
                               target_columns=_target_columns(state["model"], context),
                               macros=context.macros.values())
        if verdict.ok:
            return {"valid": True, "error": None}
        reason = f"translated query rejected: {verdict.reason}"
        return {"valid": False, "sql": None, "error": reason,
                "rejections": list(state.get("rejections") or []) + [reason]}

    def attempts_left(state: DraftState) -> bool:
        return llm is not None and state.get("llm_attempts", 0) < MAX_LLM_ATTEMPTS

    def after_validate(state: DraftState) -> str:
        return END if state.get("valid") or not attempts_left(state) else "llm"

    def after_llm(state: DraftState) -> str:
        if state.get("needs_review"):
            return END
        if state.get("rewrite"):
            return "rules_on_rewrite"
        if state.get("sql"):
            return "validate_llm"
        return "llm" if attempts_left(state) else END

    def after_rules_on_rewrite(state: DraftState) -> str:
        if state.get("sql"):
            return "validate_llm"
        return "llm" if attempts_left(state) else END

    def after_validate_llm(state: DraftState) -> str:
        return END if state.get("valid") or not attempts_left(state) else "llm"

    graph = StateGraph(DraftState)
    graph.add_node("rules", rules)
    graph.add_node("validate", validate)
    graph.add_node("llm", ask_llm)
    graph.add_node("rules_on_rewrite", rules_on_rewrite)
    graph.add_node("validate_llm", validate_llm)
    graph.add_edge(START, "rules")
    graph.add_edge("rules", "validate")
    graph.add_conditional_edges("validate", after_validate, ["llm", END])
    graph.add_conditional_edges("llm", after_llm, ["rules_on_rewrite", "validate_llm", "llm", END])
    graph.add_conditional_edges("rules_on_rewrite", after_rules_on_rewrite, ["validate_llm", "llm", END])
    graph.add_conditional_edges("validate_llm", after_validate_llm, ["llm", END])
    return graph.compile(checkpointer=checkpointer)


def llm_prompt(model: PlannedModel, context: TranslationContext, mode: str = "tsql",
               rejection: str | None = None) -> str:
    """The per-object prompt: the object's T-SQL and only what it reads, writes and calls."""
    names = {key: (key if mode == "tsql" else context.relations.get(key, key)) for key in model.depends_on}
    object_context = prompts.object_context(
        model.tsql, {key: context.columns.get(key, []) for key in model.depends_on},
        model.target or model.origin, _target_columns_typed(model, context), names,
        _called_functions(model.tsql, context), _parameters(context.procedures.get(model.origin), mode))
    return (prompts.rewrite_prompt(object_context, rejection) if mode == "tsql"
            else prompts.direct_prompt(object_context, rejection))


def _parameters(procedure: SourceObject | None, mode: str) -> list[tuple[str, str, str | None]]:
    """A procedure's parameters as the reply must write them: `@name` in T-SQL (the executor binds
    them), the dbt var's placeholder column in PostgreSQL; with their types and defaults."""
    if procedure is None:
        return []
    defaults = procedure.header.parameter_defaults if procedure.header else {}
    written = []
    for name, data_type in procedure.parameters:
        bare = name.lstrip("@").lower()
        written.append((name if mode == "tsql" else f"{VARIABLE_PREFIX}{fold_identifier(bare)}",
                        data_type, defaults.get(bare)))
    return written


def _with_dbt_vars(rewrite: str, procedure: SourceObject | None) -> str:
    """The procedure's `@parameters` in a rewrite as dbt var placeholders, exactly as the planner
    binds them in the models the rules translate; other variables are left for the rules to refuse."""
    if procedure is None:
        return rewrite
    try:
        query = sqlglot.parse_one(rewrite, read="tsql")
    except Exception:  # validated as T-SQL already; should it not parse now, the rules say why
        return rewrite
    if not isinstance(query, exp.Query):
        return rewrite
    bound, _, _ = bind_parameters(query, procedure)
    return bound.sql("tsql")


_CALL = re.compile(r"\[?(\w+)\]?\s*\.\s*\[?(\w+)\]?\s*\(")


def _called_functions(tsql: str, context: TranslationContext) -> list[str]:
    """The bodies of the functions the object calls that are not macros, in call order."""
    called = []
    for schema, name in _CALL.findall(tsql):
        key = f"{schema}.{name}".lower()
        if key in context.functions and key not in context.macros and context.functions[key] not in called:
            called.append(context.functions[key])
    return called


def _target_columns_typed(model: PlannedModel, context: TranslationContext) -> list[tuple[str, str]] | None:
    names = _target_columns(model, context)
    if names is None:
        return None
    types = {fold_identifier(n): t for n, t in context.columns.get(model.target or model.origin, [])}
    return [(name, types.get(fold_identifier(name), "")) for name in names]


def _target_columns(model: PlannedModel, context: TranslationContext) -> list[str] | None:
    """The planned model's columns: what the planner's T-SQL selects when it is a plain query,
    else the target's (or the view's) columns in the catalog; None when neither is known."""
    try:
        query = sqlglot.parse_one(model.tsql, read="tsql") if model.tsql else None
    except Exception:  # procedural code the planner could not reduce to a query
        query = None
    if isinstance(query, exp.Query) and query.selects and not any(s.is_star for s in query.selects):
        return list(query.named_selects)
    columns = context.columns.get(model.target or model.origin)
    return [name for name, _ in columns] if columns else None


def translation_context(plan: MigrationPlan, catalog: Catalog) -> TranslationContext:
    column_types = {
        obj.key: {fold_identifier(c.name): c.data_type for c in obj.columns}
        for obj in catalog.objects if obj.columns
    }
    # Views (and other translated models) typed in the plan's dependency order.
    queries = [(m.target or m.origin, m.tsql) for m in plan.models if m.sql is None and m.tsql]
    column_types = with_query_types(column_types, queries)
    macros = {m.origin: m.name for m in plan.macros}
    columns = {obj.key: [(c.name, c.data_type) for c in obj.columns] for obj in catalog.objects if obj.columns}
    # views and other models the catalog has no columns for: as the typing pass typed them
    for key, typed in column_types.items():
        columns.setdefault(key, list(typed.items()))
    functions = {obj.key: obj.body for obj in catalog.objects if obj.kind == "function" and obj.body}
    procedures = {obj.key: obj for obj in catalog.objects if obj.kind == "procedure" and obj.parameters}
    return TranslationContext(plan.relations, macros, column_types, is_case_sensitive(catalog.collation),
                              columns, functions, procedures)


def draft_models(plan: MigrationPlan, catalog: Catalog, llm: LlmClient | None = None,
                 on_progress=None, checkpointer=None, reuse: Mapping[str, DraftModel] | None = None) -> Drafts:
    """Run the executor graph over every planned model and macro of the plan. With a
    `checkpointer` (agents/checkpoints.py) and the LLM on, each model's graph state is kept after
    every node: a run killed mid-step resumes where each object stopped, and its threads are
    deleted once every model is drafted. `reuse`: drafts of an earlier run whose inputs are
    unchanged (fingerprints.py), taken as they are: they are not drafted again."""
    reuse = reuse or {}
    context = translation_context(plan, catalog)
    to_draft = [m for m in plan.models if m.name not in reuse]
    if llm is None:  # rules alone are deterministic and cheap: nothing worth resuming
        checkpointer = None
    graph = build_executor_graph(context, llm, checkpointer)
    threads = {m.name: thread_id(plan.project, m.name, m.tsql, m.sql or "", m.procedural or "", llm.model,
                                 prompts.PROMPT_VERSION) for m in to_draft} if checkpointer else {}
    drafts = Drafts(plan.project)
    for macro in plan.macros:
        drafts.macros.append(draft_macro(macro, context))
    # objects run concurrently up to the client's limit only when the LLM is on: rules alone are
    # CPU-bound and gain nothing from threads
    workers = llm.concurrency if llm is not None else 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        finals = pool.map(lambda m: _invoke(graph, m, threads.get(m.name)), to_draft)  # in plan order
        for index, model in enumerate(plan.models, start=1):
            draft = reuse.get(model.name) or _draft(model, next(finals))
            if model.name not in reuse and llm is None and model.procedural:  # nobody rewrote it yet
                draft.needs_review, draft.error = True, f"{model.procedural} (the LLM is off)"
            drafts.models.append(draft)
            if on_progress:
                on_progress(index, len(plan.models), model.name)
    for thread in threads.values():
        checkpointer.delete_thread(thread)
    return drafts


def _invoke(graph, model: PlannedModel, thread: str | None = None) -> DraftState:
    try:
        if thread is None:
            return graph.invoke({"model": model, "attempts": 0, "llm_attempts": 0})
        config = {"configurable": {"thread_id": thread}}
        saved = graph.get_state(config)
        if saved.values and not saved.next:  # finished before the kill: nothing to ask again
            return saved.values
        # "sync": each node's state is written before the next runs, so a kill loses no answer
        if saved.next:  # cut off mid-graph: resume from its last node
            return graph.invoke(None, config, durability="sync")
        return graph.invoke({"model": model, "attempts": 0, "llm_attempts": 0}, config, durability="sync")
    except Exception as error:  # a bug while drafting one model costs that model, never the run
        return {"attempts": 1, "error": f"executor failed: {type(error).__name__}: {str(error)[:200]}"}


def _draft(model: PlannedModel, final: DraftState) -> DraftModel:
    return DraftModel(
        name=model.name, origin=model.origin, sql=final.get("sql"),
        method=final.get("method", "none") if final.get("sql") else "none",
        attempts=final.get("attempts", 0), error=final.get("error"),
        usage=final.get("usage") or LlmUsage(),
        needs_review=bool(final.get("needs_review")), rejections=final.get("rejections") or [],
    )


def draft_macro(macro, context: TranslationContext) -> DraftMacro:
    def translated(tsql: str) -> str:
        return translate_select(tsql, relations=context.relations, macros=context.macros,
                                column_types=context.column_types, case_sensitive=context.case_sensitive)

    try:
        if macro.plpgsql:  # a PL/pgSQL database function: each query of its body translated in place
            sql = plpgsql_body(macro.plpgsql, translated)
        elif macro.tsql_body is not None:  # a database function's body: a query over the project's relations
            sql = translated(macro.tsql_body)
        else:
            sql = translate_expression(macro.tsql_expression, macro.parameters, macros=context.macros,
                                       case_sensitive=context.case_sensitive)
        return DraftMacro(macro.name, macro.origin, macro.parameters, sql, "rules")
    except Exception as error:  # TranslationError, or a translator bug: one macro fails, not the run
        return DraftMacro(macro.name, macro.origin, macro.parameters, None, "none", str(error))
