"""Issue 13, point 4: an exception of ours while planning or translating one object (not only a
RecursionError, which the hostile estate covers) costs that object alone, with the error as its
reason; every other object of the estate is still planned and drafted."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator_pipeline.agents import executor
from migrator_pipeline.agents.executor import draft_models
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.planning import planner
from migrator_pipeline.planning.planner import plan_migration

ESTATE = """
CREATE TABLE dbo.orders (id int NOT NULL PRIMARY KEY, amount money NULL);
GO
CREATE VIEW dbo.vw_good AS SELECT id, amount FROM dbo.orders;
GO
CREATE VIEW dbo.vw_trips_a_bug AS SELECT id FROM dbo.orders WHERE amount > 10;
GO
CREATE VIEW dbo.vw_after AS SELECT id FROM dbo.vw_good;
GO
CREATE FUNCTION dbo.fn_tax(@x money) RETURNS money AS BEGIN RETURN @x * 0.2 END
GO
"""


@pytest.fixture
def catalog(tmp_path: Path):
    (tmp_path / "estate.sql").write_text(ESTATE, encoding="utf-8")
    return read_catalog(tmp_path)


def test_a_bug_while_planning_one_object_costs_only_that_object(catalog, monkeypatch):
    sketch = planner._view_sketch

    def buggy_sketch(view):
        if view.name == "vw_trips_a_bug":
            raise KeyError("a bug of ours")
        return sketch(view)

    monkeypatch.setattr(planner, "_view_sketch", buggy_sketch)
    plan = plan_migration(catalog, "one_bad")
    entries = {e.source: e for e in plan.entries}
    assert entries["dbo.vw_trips_a_bug"].models == []
    assert entries["dbo.vw_trips_a_bug"].reason == "could not be planned: KeyError: 'a bug of ours'"
    for source in ("dbo.orders", "dbo.vw_good", "dbo.vw_after"):
        assert entries[source].models and entries[source].reason is None, entries[source]


def test_a_bug_while_translating_one_object_costs_only_that_object(catalog, monkeypatch):
    translate = executor.translate_select

    def buggy_translate(tsql, **kwargs):
        if "amount > 10" in tsql:
            raise ZeroDivisionError("a bug of ours")
        return translate(tsql, **kwargs)

    monkeypatch.setattr(executor, "translate_select", buggy_translate)
    plan = plan_migration(catalog, "one_bad")
    drafts = {d.origin: d for d in draft_models(plan, catalog).models}
    assert drafts["dbo.vw_trips_a_bug"].sql is None
    assert drafts["dbo.vw_trips_a_bug"].error == "translator failed: ZeroDivisionError: a bug of ours"
    assert {origin for origin, d in drafts.items() if d.sql} == {"dbo.orders", "dbo.vw_good", "dbo.vw_after"}
