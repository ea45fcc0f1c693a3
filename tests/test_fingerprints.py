"""Content hashes (fingerprints.py): what changes a step's inputs, an object's or a model's hash,
and what never does."""

from __future__ import annotations

from migrator_pipeline.catalog.sources import SourceSpec, read_source
from migrator_pipeline.drafts import DraftModel, Drafts
from migrator_pipeline.fingerprints import (
    StepState, changed_objects, digest, model_fingerprints, object_fingerprints, reusable_drafts,
    settings_fingerprint, source_fingerprint, step_inputs, warehouse_identity)
from migrator_pipeline.planning.planner import plan_migration

ESTATE = """CREATE TABLE dbo.A (ID int NOT NULL PRIMARY KEY, Name nvarchar(20));
GO
CREATE TABLE dbo.B (ID int NOT NULL PRIMARY KEY, Amount int);
GO
INSERT INTO dbo.A (ID, Name) VALUES (1, N'x'), (2, N'y');
GO
CREATE VIEW dbo.vA AS SELECT ID, Name FROM dbo.A WHERE ID > 0;
GO
CREATE VIEW dbo.vA2 AS SELECT ID FROM dbo.vA;
GO
CREATE VIEW dbo.vB AS SELECT ID, Amount FROM dbo.B;
GO
"""


def _estate(folder, text=ESTATE):
    folder.mkdir(exist_ok=True)
    (folder / "estate.sql").write_text(text, encoding="utf-8")
    catalog = read_source(SourceSpec(str(folder)))
    return catalog, plan_migration(catalog, "fp")


def test_digest_separates_its_parts():
    assert digest("ab", "c") != digest("a", "bc")
    assert digest(None) != digest("")


def test_a_changed_view_changes_its_model_and_its_dependents_only(tmp_path):
    catalog, plan = _estate(tmp_path / "before")
    changed_catalog, changed_plan = _estate(tmp_path / "after", ESTATE.replace("WHERE ID > 0", "WHERE ID > 1"))
    assert changed_objects(object_fingerprints(catalog), object_fingerprints(changed_catalog)) == {"dbo.va"}
    before, after = model_fingerprints(plan, catalog), model_fingerprints(changed_plan, changed_catalog)
    assert {name for name in before if before[name] != after[name]} == {"va", "va2"}


def test_an_edit_that_shifts_later_objects_changes_only_the_edited_one(tmp_path):
    """Lines are positions, not content: a view that grows by three lines leaves the hashes of
    the tables, rows and views after it in the same file as they were."""
    catalog, _ = _estate(tmp_path / "before")
    edited = ESTATE.replace("CREATE TABLE dbo.A (ID int NOT NULL PRIMARY KEY, Name nvarchar(20));",
                            "CREATE TABLE dbo.A (ID int NOT NULL PRIMARY KEY,\n\n\n Name nvarchar(20));")
    changed_catalog, _ = _estate(tmp_path / "after", edited)
    assert changed_catalog.get("dbo.vB").line != catalog.get("dbo.vB").line
    assert changed_objects(object_fingerprints(catalog), object_fingerprints(changed_catalog)) == {"dbo.a"}


def test_a_table_s_rows_change_its_hash_and_what_reads_it(tmp_path):
    catalog, plan = _estate(tmp_path / "before")
    changed_catalog, changed_plan = _estate(tmp_path / "after", ESTATE.replace("N'y'", "N'z'"))
    assert changed_objects(object_fingerprints(catalog), object_fingerprints(changed_catalog)) == {"dbo.a"}
    before, after = model_fingerprints(plan, catalog), model_fingerprints(changed_plan, changed_catalog)
    assert {name for name in before if before[name] != after[name]} == {"stg_dbo__a", "va", "va2"}


def test_the_tool_and_settings_are_in_every_model_s_hash(tmp_path):
    catalog, plan = _estate(tmp_path / "before")
    one, other = model_fingerprints(plan, catalog, "tool 1"), model_fingerprints(plan, catalog, "tool 2")
    assert all(one[name] != other[name] for name in one)


def test_settings_but_not_secrets_or_home(monkeypatch):
    environ = {"MIGRATOR_IDENTIFIERS": "snake_case", "MIGRATOR_HOME": "/a", "MIGRATOR_MSSQL_PASSWORD": "p"}
    base = settings_fingerprint(environ)
    assert settings_fingerprint({**environ, "MIGRATOR_HOME": "/b", "MIGRATOR_MSSQL_PASSWORD": "q"}) == base
    assert settings_fingerprint({**environ, "MIGRATOR_IDENTIFIERS": "preserve"}) != base


def test_source_bytes_decide_a_folder_s_hash_and_a_live_server_has_none(tmp_path):
    (tmp_path / "a.sql").write_text("CREATE TABLE dbo.T (ID int);", encoding="utf-8")
    first = source_fingerprint(SourceSpec(str(tmp_path)))
    assert source_fingerprint(SourceSpec(str(tmp_path))) == first
    (tmp_path / "expected").mkdir()
    (tmp_path / "expected" / "dbo.V.csv").write_text("ID\n1\n", encoding="utf-8")
    assert source_fingerprint(SourceSpec(str(tmp_path))) != first  # expected rows are inputs too
    assert source_fingerprint(SourceSpec(str(tmp_path), {"DB": "x"})) != source_fingerprint(SourceSpec(str(tmp_path)))
    assert source_fingerprint(SourceSpec("mssql://reader@server/db")) is None


def test_warehouse_identity_leaves_the_password_out():
    one = warehouse_identity("postgresql://admin:secret@db:5432/warehouse")
    assert "secret" not in one
    assert one == warehouse_identity("postgresql://admin:other@db:5432/warehouse")
    assert one != warehouse_identity("postgresql://admin:secret@db:5432/other")


def test_a_step_is_reusable_only_with_the_same_inputs_and_untouched_outputs(tmp_path):
    state = StepState(tmp_path)
    (tmp_path / "out.json").write_text("1", encoding="utf-8")
    (tmp_path / "in.json").write_text("a", encoding="utf-8")
    inputs = step_inputs(tmp_path, ["in.json"], "setting")
    state.record("step", inputs, ["out.json"])
    assert state.reusable("step", step_inputs(tmp_path, ["in.json"], "setting")) is not None
    assert state.reusable("step", step_inputs(tmp_path, ["in.json"], "other setting")) is None
    assert step_inputs(tmp_path, ["in.json"], None) is None  # an input that cannot be hashed
    assert state.reusable("step", None) is None
    (tmp_path / "in.json").write_text("b", encoding="utf-8")
    assert state.reusable("step", step_inputs(tmp_path, ["in.json"], "setting")) is None
    (tmp_path / "in.json").write_text("a", encoding="utf-8")
    (tmp_path / "out.json").write_text("edited", encoding="utf-8")
    assert state.reusable("step", inputs) is None  # an output changed since: never reused


def test_only_drafts_with_unchanged_fingerprints_are_reused(tmp_path):
    state = StepState(tmp_path)
    drafts = Drafts("fp", [DraftModel("va", "dbo.va", "select 1", "rules"), DraftModel("vb", "dbo.vb", "select 2", "rules")])
    drafts.save(tmp_path / "drafts.json")
    state.record("draft_models", "inputs", ["drafts.json"], {"models": '{"va": "1", "vb": "2"}'})
    assert set(reusable_drafts(state, "draft_models", "drafts.json", {"va": "1", "vb": "changed"})) == {"va"}
    (tmp_path / "drafts.json").write_text("{}", encoding="utf-8")
    assert reusable_drafts(state, "draft_models", "drafts.json", {"va": "1"}) == {}
