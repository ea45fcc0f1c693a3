"""CHECK constraints as dbt tests on the source that holds the rows SQL Server checked.

- `col IN (literal, ...)` -> `accepted_values` on the column. The translator compares strings
  as SQL Server does (`lower(rtrim(col)) in ('open', ...)`; `rtrim` alone under a case-sensitive
  collation), so for strings the test is the table's `accepted_values` of that expression (dbt's
  `column_name`);
- any other condition the translator turns into PostgreSQL (`qty > 0`, `price between 0 and
  100`, `end_date >= start_date`) -> the table's `expression_is_true` (dbt_utils' test, written
  locally in the template's `tests/generic/`);
- a condition it cannot translate (a user function, a CLR method, ...) is not tested: a note says
  which and why.

A row passes a CHECK unless the condition is false: NULL passes, in SQL Server and in both tests
(`not (NULL)` and `NULL not in (...)` select nothing).
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.catalog.model import CheckConstraint, SourceObject
from migrator_pipeline.planning.model import PlannedCheck
from migrator_pipeline.tsql.identifiers import bracketed, lower_identifier, spelling_names
from migrator_pipeline.tsql.translate import TranslationError, postgres_sql, translate_select

_CHECKED = "migrator_checked_relation"  # the relation the translated condition reads
_POSITION = re.compile(r" \(line \d+, column \d+\)")  # a place in the query built here, not in the source


def plan_checks(table: SourceObject, case_sensitive: bool) -> tuple[list[PlannedCheck], list[str]]:
    """The table's CHECK constraints as tests on its raw copy (named by the `lower` policy), and
    a note for each one left untested."""
    planned, notes = [], []
    for check in table.checks:
        try:
            condition = _translated_condition(table, check, case_sensitive)
        except (TranslationError, SqlglotError) as error:
            reason = _POSITION.sub("", str(error).splitlines()[0] if str(error) else type(error).__name__)
            notes.append(f"{table.source}: {_described(check)} not tested: {reason}")
            continue
        if "{{" in postgres_sql(condition, pretty=False):
            notes.append(f"{table.source}: {_described(check)} not tested: it calls a macro")
            continue
        test = _accepted_values(condition, check) or PlannedCheck(
            "expression_is_true", check.expression, expression=postgres_sql(condition, pretty=False))
        if test not in planned:
            planned.append(test)
    return planned, notes


def _described(check: CheckConstraint) -> str:
    return f"CHECK {check.name + ' ' if check.name else ''}({check.expression})"


def _translated_condition(table: SourceObject, check: CheckConstraint, case_sensitive: bool) -> exp.Expression:
    query = f"SELECT 1 AS checked FROM {bracketed(table.schema)}.{bracketed(table.name)} WHERE {check.expression}"
    types = {lower_identifier(c.name): c.data_type for c in table.columns if c.data_type}
    with spelling_names(None):  # the raw copy's column names
        sql = translate_select(query, relations={table.key: _CHECKED}, column_types={table.key: types},
                               case_sensitive=case_sensitive)
    where = sqlglot.parse_one(sql, read="postgres").args.get("where")
    if where is None:
        raise TranslationError("no condition")
    condition = where.this
    for column in condition.find_all(exp.Column):
        column.set("table", None)
    return condition


def _accepted_values(condition: exp.Expression, check: CheckConstraint) -> PlannedCheck | None:
    """`x in (literals)` as accepted_values: on the column when x is one, else on x itself."""
    while isinstance(condition, exp.Paren):
        condition = condition.this
    if not isinstance(condition, exp.In) or condition.args.get("query") or not condition.expressions:
        return None
    values = condition.expressions
    if not all(isinstance(v, exp.Literal) for v in values) or len(list(condition.this.find_all(exp.Column))) != 1:
        return None
    strings = all(v.is_string for v in values)
    if not strings and any(v.is_string for v in values):
        return None
    subject = condition.this
    column = subject.name if isinstance(subject, exp.Column) else None
    return PlannedCheck("accepted_values", check.expression, column=column,
                        column_expression=None if column else postgres_sql(subject, pretty=False),
                        values=[v.this for v in values], quote=strings)
