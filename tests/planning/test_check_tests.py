"""CHECK constraints as dbt tests, each kind by example: what the plan carries and the YAML the
writer makes of it (rows on PostgreSQL: tests/dbt_project/test_identifier_policy_and_checks.py)."""

from __future__ import annotations

import pytest

from migrator_pipeline.catalog.model import Catalog, CheckConstraint, Column, SourceObject
from migrator_pipeline.dbt_project.writer import sources_yaml
from migrator_pipeline.planning.check_tests import plan_checks
from migrator_pipeline.planning.model import PlannedCheck
from migrator_pipeline.planning.planner import plan_migration

COLUMNS = [Column("OrderID", "int", False), Column("Qty", "int"), Column("Status", "nvarchar(10)"),
           Column("Kind", "tinyint"), Column("StartDate", "date"), Column("EndDate", "date")]


def _table(*checks: str) -> SourceObject:
    return SourceObject("dbo", "Orders", "table", columns=COLUMNS, primary_key=["OrderID"],
                        checks=[CheckConstraint(c) for c in checks])


@pytest.mark.parametrize(("check", "case_sensitive", "planned"), [
    ("Kind IN (1, 2, 7)", False,
     PlannedCheck("accepted_values", "Kind IN (1, 2, 7)", column="kind", values=["1", "2", "7"], quote=False)),
    ("[Status] IN ('Open', 'O''Brien')", False,
     PlannedCheck("accepted_values", "[Status] IN ('Open', 'O''Brien')", column_expression="lower(rtrim(status))",
                  values=["open", "o'brien"])),
    ("Status IN ('Open')", True,
     PlannedCheck("accepted_values", "Status IN ('Open')", column_expression="rtrim(status)", values=["Open"])),
    ("([Qty]>(0))", False, PlannedCheck("expression_is_true", "([Qty]>(0))", expression="(qty > (0))")),
    ("Qty BETWEEN 1 AND 99", False,
     PlannedCheck("expression_is_true", "Qty BETWEEN 1 AND 99", expression="qty between 1 and 99")),
    ("EndDate >= StartDate", False,
     PlannedCheck("expression_is_true", "EndDate >= StartDate", expression="enddate >= startdate")),
    ("Kind IN (1, 'a')", False,  # mixed literals: no accepted_values can say it
     PlannedCheck("expression_is_true", "Kind IN (1, 'a')", expression="kind in (1, 'a')")),
])
def test_each_kind_of_check(check, case_sensitive, planned):
    assert plan_checks(_table(check), case_sensitive) == ([planned], [])


def test_a_check_the_translator_cannot_take_is_a_note_and_no_test():
    assert plan_checks(_table("dbo.fn_Ok(Qty) = 1", "Qty > 0"), False) == (
        [PlannedCheck("expression_is_true", "Qty > 0", expression="qty > 0")],
        ["dbo.Orders: CHECK (dbo.fn_Ok(Qty) = 1) not tested: unknown function dbo.fn_ok: not translated as a macro"])


def test_the_writer_puts_each_test_where_dbt_users_look():
    table = _table("Kind IN (1, 2)", "Status IN ('O''Brien')", "Qty > 0")
    catalog = Catalog("x", [table])
    plan = plan_migration(catalog, "p")
    [source] = sources_yaml(plan, catalog)["sources"]
    [orders] = source["tables"]
    kind = next(c for c in orders["columns"] if c["name"] == "kind")
    assert kind["data_tests"] == [{"accepted_values": {"description": "SQL Server CHECK (Kind IN (1, 2))",
                                                       "arguments": {"values": ["1", "2"], "quote": False}}}]
    assert orders["data_tests"] == [
        {"accepted_values": {"description": "SQL Server CHECK (Status IN ('O''Brien'))",
                             "arguments": {"values": ["o''brien"]}, "column_name": "lower(rtrim(status))"}},
        {"expression_is_true": {"description": "SQL Server CHECK (Qty > 0)", "arguments": {"expression": "qty > 0"}}},
    ]
    assert plan.notes == []
