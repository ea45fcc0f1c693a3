"""Every saved domain object round-trips through `serialisation`, and its file is what
`json.dumps(dataclasses.asdict(obj), indent=1)` wrote before the one codec existed."""

from __future__ import annotations

import dataclasses
import json

import pytest

from migrator_pipeline.assessment import Assessment, Blocker, ObjectAssessment
from migrator_pipeline.catalog.model import Catalog, Column, Finding, ForeignKey, SourceObject, TableData
from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.dbt_project.results import BuildReport, NodeResult
from migrator_pipeline.drafts import DraftMacro, DraftModel, Drafts, LlmUsage, RepairOutcome
from migrator_pipeline.evaluation.data_match import DataMatch, DataValidation, ExpectedResult
from migrator_pipeline.evaluation.scorecard import Evaluation, ModelEvidence, ObjectScore
from migrator_pipeline.planning.model import (
    MigrationPlan, PlanEntry, PlannedMacro, PlannedModel, PlannedSource)
from migrator_pipeline.warehouse.loading import LoadedTable, LoadReport

FINDING = Finding("warning", "Zürich: 'é' kept as written", "tables/a.sql", 3, "dbo.a")
USAGE = LlmUsage(input_tokens=10, output_tokens=5, cost_usd=0.0125, requests=2, cache_read_tokens=1,
                 cache_write_tokens=3)

SAVED = [
    Catalog(
        source="/estate",
        objects=[
            SourceObject("dbo", "A", "table", "CREATE TABLE dbo.A (id int)", "tables/a.sql", 1,
                         columns=[Column("id", "int", nullable=False, identity=True),
                                  Column("Name", "nvarchar(50)", default="N'x'", description="nom")],
                         primary_key=["id"], unique_keys=[["Name"]],
                         foreign_keys=[ForeignKey(["b_id"], "dbo", "B", ["id"], "fk_a_b")]),
            SourceObject("dbo", "f", "function", function_kind="scalar", parameters=[["@x", "int"]],
                         reads=["dbo.a"], writes=["dbo.b"], calls=["dbo.p"]),
        ],
        data=[TableData("dbo.a", ["id", "Name"], [["1", "é"], ["2", None]], "a.csv",
                        origins=[[0, "a.csv"]], lines=[2, 3], dropped=1, missing=["b.csv"])],
        findings=[FINDING],
        collation="Latin1_General_CS_AS",
    ),
    MigrationPlan(
        project="p", raw_schema="p_raw",
        sources=[PlannedSource("dbo.a", "dbo", "a", "dbo__a")],
        models=[PlannedModel("stg_dbo__a", "staging", "view", "dbo.a", "SELECT 1", sql="select 1"),
                PlannedModel("fact", "marts", "incremental", "dbo.p", "SELECT 2", target="dbo.b",
                             unique_key=["id"], depends_on=["dbo.a"], variables={"migrator_var__d": "{{ var('d') }}"},
                             check_cols=["x"], meta_columns={"valid_from": "ValidFrom"},
                             incremental_strategy="merge", pre_hook="delete from {{ this }}")],
        macros=[PlannedMacro("f", "dbo.f", ["x"], "@x + 1")],
        entries=[PlanEntry("dbo.a", "dbo.A", "table", "source", ["stg_dbo__a"], None)],
        relations={"dbo.a": "{{ ref('stg_dbo__a') }}"},
        names={"dbo.A": {"model": "stg_dbo__a", "columns": {"Name": "name"}}},
    ),
    Drafts("p", [DraftModel("fact", "dbo.p", None, "llm", 2, "no reply", USAGE, True, ["rejected: x"])],
           [DraftMacro("f", "dbo.f", ["x"], "x + 1", "rules")]),
    BuildReport([NodeResult("model.p.fact", "fact", "model", "error", "boom", None, 0.25),
                 NodeResult("test.p.t", "t", "test", "pass", attached_to="fact")],
                {"fact": 3}, ["build"], "dbt could not run"),
    DataValidation(
        expected=[ExpectedResult("dbo.v", "dbo.v", ["a"], [["1"], [None]], "expected/dbo.v.csv", True)],
        matches=[DataMatch("dbo.v", "v", "p.v", "expected/dbo.v.csv", False, ["a"], 2, 2, 1, 1,
                           [{"a": None}], [{"a": "2"}], None, ["a: SQL Server returns integers"])],
        findings=[FINDING],
        row_counts={"dbo.a": 2},
    ),
    LoadReport([LoadedTable("dbo.A", "p_raw.dbo__a", 2, None, "its data file b.csv was not read")], [FINDING]),
    Assessment([ObjectAssessment("dbo.p", "procedure", 40, ["cursor"], 10, "high", "manual",
                                 [Blocker("cursor", "p.sql", 4, "a cursor ...")], 6.0)],
               {"objects": 1, "by_band": {"high": 1}}, [FINDING]),
    Evaluation("p", {"success_rate": 0.5, "by_kind": {"view": {"passed": 1}}},
               [ObjectScore("dbo.v", "view", "passed", "rules", 1, [{"name": "v", "relation": "p.v"}], None,
                            "model", "rows_matched", [ModelEvidence("v", "p.v", True, True, "success", 2, 0, 4)],
                            ["string_plus"], 15, 0.01, "matched", {"compared": 1}, {"model": "v"})]),
    SourceSpec("/estate", {"DatabaseName": "Sales"}, 100),
]


@pytest.mark.parametrize("saved", SAVED, ids=lambda saved: type(saved).__name__)
def test_each_saved_type_round_trips_to_the_same_object_and_the_same_bytes(saved, tmp_path):
    path = tmp_path / "saved.json"
    saved.save(path)
    assert path.read_text(encoding="utf-8") == json.dumps(dataclasses.asdict(saved), indent=1)
    loaded = type(saved).load(path)
    assert loaded == saved
    assert type(saved).from_dict(json.loads(json.dumps(saved.to_dict()))) == saved
    loaded.save(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()


def test_repair_outcomes_are_kept_as_one_json_array(tmp_path):
    outcomes = [RepairOutcome("fact", True, 2, ["string_plus"], None, "select 1", USAGE, ["rejected"]),
                RepairOutcome("dim", False, 3, error="relation does not exist")]
    path = tmp_path / "repairs.json"
    RepairOutcome.save_all(outcomes, path)
    assert path.read_text(encoding="utf-8") == json.dumps([dataclasses.asdict(o) for o in outcomes], indent=1)
    assert RepairOutcome.load_all(path) == outcomes


def test_a_field_an_older_file_lacks_takes_its_default(tmp_path):
    path = tmp_path / "drafts.json"
    path.write_text(json.dumps({"project": "p", "models": [
        {"name": "m", "origin": "dbo.v", "sql": "select 1", "method": "rules",
         "usage": {"input_tokens": 1, "output_tokens": 2, "cost_usd": 0.0}}], "macros": []}), encoding="utf-8")
    drafts = Drafts.load(path)
    assert drafts.models[0].usage == LlmUsage(input_tokens=1, output_tokens=2)
    assert drafts.models[0].rejections == [] and drafts.models[0].needs_review is False
