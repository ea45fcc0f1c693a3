"""Data validation: the rows of a migrated model against the rows SQL Server returns.

"Correct" means the same rows as SQL Server. When expected results are available, each
compared model's rows are fetched from PostgreSQL and compared with them as a MULTISET
(order ignored, duplicates counted). Values are compared EXACTLY; only their spelling is
normalised, by the kind of the model's column:
- numbers compare by value: '10' equals 10.000 and '1e1' equals 10, but 10.3333 never equals
  '10' (nothing is rounded to the expected text's scale); float columns compare as IEEE doubles
  (real ones as singles), so '0.1' equals the float 0.1;
- a column SQL Server returns as an integer must hold integers: a model column that returns a
  fraction where SQL Server's is an integer type is a mismatch, named in `type_differences`;
- booleans: SQL Server's bit 1/0 equals PostgreSQL's true/false;
- dates, times and timestamps compare as values: '2024-01-02 03:04:05.120' equals the datetime
  (datetime2's 100 ns are rounded to microseconds, as PostgreSQL rounds them when it stores them);
- NULL equals only NULL (or an empty CSV field, which cannot tell NULL from '');
- strings compare exactly: a case-insensitive collation compares case-insensitively, but
  returns values in the case they were stored in, so 'Smith' is not 'SMITH'.

Expected results come from
- `expected/<schema>.<object>.csv` beside a script source (header: the object's output columns
  as SQL Server names them, UTF-8, empty field = NULL), or
- a live SQL Server, by running `SELECT * FROM [schema].[view]` for every migrated view and
  `SELECT * FROM [schema].[table]` for every table a procedure produces (as it last left it).
`expected/row_counts.csv` (`schema,table,rows`) gives each source table's row count in SQL
Server; the evaluator fails a table whose raw copy holds another. `migrator capture-kit`
(capture_kit.py) writes the read-only script that exports all of these files.

The object compared is a view (against its model) or a table produced by a procedure (against
the model that now produces it). Expected columns are matched to the model's through
`fold_identifier`; a model column the expected result does not name is not compared. Anything
that cannot be compared becomes a Finding, or a match that failed with its reason, never a crash.

The work is split by job: `expected_rows` (where the expected rows come from),
`value_normalisation` (the form values are compared in) and `row_comparison` (the multiset
comparison); this module runs them for a project and holds the result, `DataValidation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator_pipeline.catalog.model import Catalog, Finding
from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.error_text import first_line
from migrator_pipeline.evaluation.expected_rows import (
    ExpectedResult,
    compared_model,
    expected_folder,
    expected_results,
    read_row_counts,
)
from migrator_pipeline.evaluation.row_comparison import DataMatch, match_model, sql_server_types
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel
from migrator_pipeline.serialisation import SavedAsJson
from migrator_pipeline.warehouse.connection import connect


@dataclass
class DataValidation(SavedAsJson):
    """Everything the tester found out about data: what was expected, what matched, and why not."""

    expected: list[ExpectedResult] = field(default_factory=list)
    matches: list[DataMatch] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)  # table key -> its rows in SQL Server


def _relation(plan: MigrationPlan, model: PlannedModel) -> str | None:
    return None if model.materialized == "ephemeral" else f"{plan.project}.{model.name}"


def validate_data(connection, expected: list[ExpectedResult], plan: MigrationPlan,
                  catalog: Catalog) -> list[DataMatch]:
    """Every expected result against its model in the warehouse (a psycopg2 connection). A model
    that cannot be read (not built, disabled) gives a match that did not match, with the reason."""
    matches = []
    for result in expected:
        model = compared_model(plan, catalog, result.object)
        if model is None:
            continue  # `comparable` reported it already
        relation = _relation(plan, model)
        with connection.cursor() as cursor:
            try:
                matches.append(match_model(cursor, result, model.name, relation,
                                           sql_server_types(catalog, result.object)))
            except Exception as error:  # noqa: BLE001 - a database error is evidence, not a crash
                connection.rollback()
                matches.append(DataMatch(result.source, model.name, relation, result.origin, False,
                                         list(result.columns), len(result.rows),
                                         reason=f"cannot read {relation}: {first_line(error)}"))
    return matches


def data_validation(spec: SourceSpec, catalog: Catalog, plan: MigrationPlan, warehouse_url: str) -> DataValidation:
    """The tester's data step: expected results gathered, then compared with the built models."""
    expected, findings = expected_results(spec, catalog, plan)
    folder = expected_folder(spec)
    counts, count_findings = read_row_counts(folder, catalog) if folder else ({}, [])
    return revalidate(DataValidation(expected, [], findings + count_findings, counts), catalog, plan, warehouse_url)


def revalidate(validation: DataValidation, catalog: Catalog, plan: MigrationPlan,
               warehouse_url: str) -> DataValidation:
    """The same expected results compared (again) with the models as they are now built, e.g.
    after the rebuilder rebuilt some."""
    if not validation.expected:
        return DataValidation([], [], list(validation.findings), dict(validation.row_counts))
    with connect(warehouse_url) as connection:
        connection.autocommit = True
        matches = validate_data(connection, validation.expected, plan, catalog)
    return DataValidation(validation.expected, matches, list(validation.findings), dict(validation.row_counts))
