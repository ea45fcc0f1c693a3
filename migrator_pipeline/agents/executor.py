"""The executor: a LangGraph graph per planned model, rules first, the LLM only when rules fail.

    rules -> validate -> done
                 \\-> llm -> validate -> done | llm (until the attempt budget is spent)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from langgraph.graph import END, START, StateGraph

from migrator_pipeline.agents.drafts import DraftMacro, DraftModel, Drafts, LlmUsage
from migrator_pipeline.agents.llm import LlmClient
from migrator_pipeline.catalog.model import Catalog
from migrator_pipeline.dbt_project.jinja_sql import single_select_error
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel
from migrator_pipeline.tsql.collation_rewrites import is_case_sensitive
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.translate import (
    TranslationError,
    translate_expression,
    translate_select,
    with_query_types,
)

MAX_LLM_ATTEMPTS = 2
SYSTEM_PROMPT = (
    "You translate Microsoft SQL Server T-SQL into one PostgreSQL SELECT for a dbt model. "
    "Keep SQL Server's semantics exactly (case-insensitive comparisons, NULL handling, integer "
    "arithmetic, date boundaries). Keep every Jinja expression such as {{ ref('x') }} as it is. "
    "Reply with the SQL in one ```sql block and nothing else."
)


class DraftState(TypedDict, total=False):
    model: PlannedModel
    sql: str | None
    method: str
    attempts: int
    llm_attempts: int
    error: str | None
    valid: bool
    usage: LlmUsage


@dataclass
class TranslationContext:
    relations: Mapping[str, str]
    macros: Mapping[str, str] = field(default_factory=dict)
    column_types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    case_sensitive: bool = False  # the source database's collation is _CS_ or _BIN


def build_executor_graph(context: TranslationContext, llm: LlmClient | None):
    def rules(state: DraftState) -> DraftState:
        model = state["model"]
        if model.sql is not None:  # staging models are generated, nothing to translate
            return {"sql": model.sql, "method": "rules", "attempts": 1, "error": None}
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
        model = state["model"]
        prompt = (f"T-SQL to translate (the logic of {model.origin}):\n```sql\n{model.tsql}\n```\n"
                  f"Relations to use instead of tables: {dict(context.relations)}\n"
                  f"The rules-based translator failed with: {state.get('error')}")
        usage = state.get("usage") or LlmUsage()
        try:
            reply = llm.complete(SYSTEM_PROMPT, prompt)
        except Exception as error:  # timeouts and API errors are findings, not crashes
            return {"llm_attempts": state.get("llm_attempts", 0) + 1,
                    "attempts": state["attempts"] + 1, "error": f"LLM call failed: {error}"}
        usage.add(reply.usage)
        sql = reply.sql()
        return {"sql": sql, "method": "llm", "usage": usage,
                "llm_attempts": state.get("llm_attempts", 0) + 1,
                "attempts": state["attempts"] + 1,
                "error": None if sql else "LLM reply held no SQL block"}

    def after_validate(state: DraftState) -> str:
        if state.get("valid"):
            return END
        if llm is None or state.get("llm_attempts", 0) >= MAX_LLM_ATTEMPTS:
            return END
        return "llm"

    graph = StateGraph(DraftState)
    graph.add_node("rules", rules)
    graph.add_node("validate", validate)
    graph.add_node("llm", ask_llm)
    graph.add_edge(START, "rules")
    graph.add_edge("rules", "validate")
    graph.add_edge("llm", "validate")
    graph.add_conditional_edges("validate", after_validate, ["llm", END])
    return graph.compile()


def translation_context(plan: MigrationPlan, catalog: Catalog) -> TranslationContext:
    column_types = {
        obj.key: {fold_identifier(c.name): c.data_type for c in obj.columns}
        for obj in catalog.objects if obj.columns
    }
    # Views (and other translated models) typed in the plan's dependency order.
    queries = [(m.target or m.origin, m.tsql) for m in plan.models if m.sql is None and m.tsql]
    column_types = with_query_types(column_types, queries)
    macros = {m.origin: m.name for m in plan.macros}
    return TranslationContext(plan.relations, macros, column_types, is_case_sensitive(catalog.collation))


def draft_models(plan: MigrationPlan, catalog: Catalog, llm: LlmClient | None = None,
                 on_progress=None) -> Drafts:
    """Run the executor graph over every planned model and macro of the plan."""
    context = translation_context(plan, catalog)
    graph = build_executor_graph(context, llm)
    drafts = Drafts(plan.project)
    for macro in plan.macros:
        drafts.macros.append(draft_macro(macro, context))
    for index, model in enumerate(plan.models, start=1):
        try:
            final = graph.invoke({"model": model, "attempts": 0, "llm_attempts": 0})
        except Exception as error:  # a bug while drafting one model costs that model, never the run
            final = {"attempts": 1, "error": f"executor failed: {type(error).__name__}: {str(error)[:200]}"}
        drafts.models.append(DraftModel(
            name=model.name, origin=model.origin, sql=final.get("sql"),
            method=final.get("method", "none") if final.get("sql") else "none",
            attempts=final.get("attempts", 0), error=final.get("error"),
            usage=final.get("usage") or LlmUsage(),
        ))
        if on_progress:
            on_progress(index, len(plan.models), model.name)
    return drafts


def draft_macro(macro, context: TranslationContext) -> DraftMacro:
    try:
        sql = translate_expression(macro.tsql_expression, macro.parameters, macros=context.macros,
                                   case_sensitive=context.case_sensitive)
        return DraftMacro(macro.name, macro.origin, macro.parameters, sql, "rules")
    except Exception as error:  # TranslationError, or a translator bug: one macro fails, not the run
        return DraftMacro(macro.name, macro.origin, macro.parameters, None, "none", str(error))
