"""Functions and triggers: scalar functions -> macros (a lookup, or a body that is not one
expression: a database function the project creates), inline table-valued functions -> view
models or analyses, the rest -> reasons for review (rules in `planning.planner`'s docstring)."""

from __future__ import annotations

from sqlglot import exp

from migrator_pipeline.catalog.model import SourceObject
from migrator_pipeline.planning.model import MigrationPlan, PlannedMacro
from migrator_pipeline.planning.naming import distinct_outputs
from migrator_pipeline.planning.parameters import bind_parameters
from migrator_pipeline.planning.plpgsql_functions import plan_plpgsql_function
from migrator_pipeline.planning.scalar_functions import FoldError, plan_scalar_function
from migrator_pipeline.planning.sketches import ModelSketch
from migrator_pipeline.tsql.identifiers import fold_identifier
from migrator_pipeline.tsql.lexer import tokenize
from migrator_pipeline.tsql.modules import block_statements
from migrator_pipeline.tsql.references import statement_dependencies

TABLE_FUNCTION_REASON = "analysis: review parameters (a table-valued function with parameters cannot be a dbt model)"


def plan_function(plan: MigrationPlan, function: SourceObject, reasons: dict[str, str]) -> list[ModelSketch]:
    """A scalar function's macro into the plan, or a table-valued function's sketch."""
    header = function.header
    if header is None or header.body_start is None:
        reasons[function.key] = "function without a readable header"
        return []
    body = block_statements(function.body[header.body_start :])
    statements = [s for s in body if not isinstance(s, exp.Declare)]
    if function.function_kind == "table":
        sketch = _table_function_sketch(function, statements, reasons)
        return [sketch] if sketch else []
    if function.function_kind != "scalar":
        reasons[function.key] = f"{function.function_kind or 'unknown'}-valued function: no dbt equivalent"
        return []
    if len(statements) == 1 and isinstance(statements[0], exp.Return) and statements[0].this is not None:
        parameters = [fold_identifier(name.lstrip("@")) for name, _ in function.parameters]
        plan.macros.append(PlannedMacro(fold_identifier(function.name), function.key, parameters,
                                        statements[0].this.sql("tsql")))
        return []
    text, head = function.body[header.body_start :], function.body[: header.body_start]
    nested = sum(t.upper == "BEGIN" for t in tokenize(text)) > 1
    name = fold_identifier(function.name)
    try:
        plan.macros.append(plan_scalar_function(name, function.key, function.parameters, head, body, nested))
        return []
    except FoldError:
        pass  # not one expression: statement by statement, as PL/pgSQL
    try:
        plan.macros.append(plan_plpgsql_function(name, function.key, function.parameters, head, text))
    except FoldError as error:
        reasons[function.key] = str(error)
    return []


def _table_function_sketch(function: SourceObject, statements: list[exp.Expression],
                           reasons: dict[str, str]) -> ModelSketch | None:
    query = statements[0].this if len(statements) == 1 and isinstance(statements[0], exp.Return) else None
    if len(statements) == 2 and isinstance(statements[0], exp.Return) and statements[0].this is None:
        query = statements[1]  # `RETURN SELECT ...`: the statement splitter reads two statements
    while isinstance(query, exp.Subquery):
        query = query.this
    if not isinstance(query, exp.Query):
        reasons[function.key] = ("multi-statement table-valued function: its result table is filled "
                                 "statement by statement; rewrite it as one SELECT")
        return None
    query, variables, _ = bind_parameters(query, function)
    reads, _, _ = statement_dependencies([query])
    tsql, outputs = distinct_outputs(query.sql("tsql", pretty=True))
    sketch = ModelSketch(fold_identifier(function.name), function.schema, function.source, "view", function.key,
                         tsql, depends_on=[k for k in reads if k != function.key], variables=variables, outputs=outputs)
    if function.parameters:
        sketch.resource, sketch.review = "analysis", TABLE_FUNCTION_REASON
        sketch.description = (f"Analysis from the table-valued function {function.source}: pass its "
                              "parameters as dbt vars, written as SQL literals.")
    return sketch


def trigger_reason(trigger: SourceObject) -> str:
    table = trigger.header.trigger_table if trigger.header else None
    return (f"trigger on {table or 'its table'}: no dbt equivalent (it runs inside every write); "
            "fold its logic into the models that load the table")
