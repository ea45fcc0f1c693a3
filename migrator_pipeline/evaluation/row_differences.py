"""Row differences as evidence for the rebuilder: which models build but return other rows than
SQL Server's, and a check that compares one model's rows again after it is rebuilt.

The comparison is the evaluator's own (`data_match.validate_data`): exact, as multisets. What the
LLM repair is shown is the first rows of each difference (`row_comparison.MAX_SHOWN_ROWS`), never
a summary that rounds them.
"""

from __future__ import annotations

from collections.abc import Callable

from migrator_pipeline.catalog.model import Catalog
from migrator_pipeline.evaluation.data_match import DataValidation, validate_data
from migrator_pipeline.evaluation.expected_rows import compared_model
from migrator_pipeline.evaluation.row_comparison import DataMatch
from migrator_pipeline.planning.model import MigrationPlan
from migrator_pipeline.warehouse.connection import connect


def differing_models(validation: DataValidation) -> list[str]:
    """Models whose rows were compared and differ (not those that could not be read: a model
    that did not build is the dbt error's business)."""
    return list(dict.fromkeys(m.model for m in validation.matches if not m.matched and m.reason is None))


def describe_differences(match: DataMatch) -> str | None:
    """What differs, for a prompt: None when the rows match."""
    if match.matched:
        return None
    if match.reason:
        return match.reason
    lines = [f"{match.source}: SQL Server returns {match.expected_rows} rows, the model {match.actual_rows}; "
             f"{match.missing} missing, {match.unexpected} unexpected"]
    lines += [f"missing (SQL Server has it, the model does not): {row}" for row in match.missing_rows]
    lines += [f"unexpected (the model has it, SQL Server does not): {row}" for row in match.unexpected_rows]
    lines += match.type_differences
    return "\n".join(lines)


def row_check(validation: DataValidation, catalog: Catalog, plan: MigrationPlan,
              warehouse_url: str) -> Callable[[str], str | None]:
    """model name -> how its rows, as built now, differ from SQL Server's (None: equal, or no
    expected rows for it)."""
    by_model: dict[str, list] = {}
    for result in validation.expected:
        model = compared_model(plan, catalog, result.object)
        if model is not None:
            by_model.setdefault(model.name, []).append(result)

    def check(name: str) -> str | None:
        if name not in by_model:
            return None
        with connect(warehouse_url) as connection:
            connection.autocommit = True
            matches = validate_data(connection, by_model[name], plan, catalog)
        differences = [d for m in matches if (d := describe_differences(m))]
        return "\n".join(differences) or None

    return check
