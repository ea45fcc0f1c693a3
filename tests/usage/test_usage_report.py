"""The usage report sums the steps' metadata from the Dagster event log, per project and day."""

import datetime as dt

import dagster as dg

from migrator_pipeline.defs.usage import step_usage, usage_markdown, usage_report
from migrator_pipeline.drafts import LlmUsage
from migrator_pipeline.usage import usage_metadata


def _record(instance, step, project, llm, seconds):
    instance.report_runless_asset_event(dg.AssetMaterialization(
        asset_key=step, partition=project, metadata=usage_metadata(objects=2, models=2, llm=llm,
                                                                   seconds=seconds)))


def test_the_report_and_the_asset_agree_with_the_steps(monkeypatch):
    monkeypatch.setenv("MIGRATOR_LLM_BUDGET_USD", "1")
    instance = dg.DagsterInstance.ephemeral()
    _record(instance, "draft_models", "sales",
            LlmUsage(input_tokens=2960, output_tokens=250, cost_usd=0.021135, requests=3,
                     cache_read_tokens=2100, cache_write_tokens=2100), 1.5)
    _record(instance, "repaired_models", "sales",
            LlmUsage(input_tokens=100, output_tokens=50, cost_usd=0.00105, requests=1), 0.5)
    _record(instance, "draft_models", "hr", LlmUsage(), 0.25)
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert len(step_usage(instance, "sales")) == 2
    markdown = usage_markdown(instance, "sales")
    assert (f"| sales | {today} | 2 | 4 | 3060 | 300 | 2100 | 2100 | 0.022185 | 2.0 | "
            "$0.0222 of $1.00 (2%) |") in markdown
    assert "| hr |" not in markdown
    assert "(no runs)" in usage_markdown(instance, since=dt.date.today() + dt.timedelta(days=2))

    result = dg.materialize([usage_report], instance=instance)
    metadata = result.asset_materializations_for_node("usage_report")[0].metadata
    assert metadata["llm_requests"].value == 4
    assert metadata["llm_cost_usd"].value == 0.022185
    assert [r["project"] for r in metadata["rows"].value] == ["hr", "sales"]


def test_migrator_usage_prints_the_table(migrator_home, warehouse_url, capsys):
    from migrator_pipeline.cli import main

    assert main(["usage", "--since", "yesterday"]) == 2
    assert capsys.readouterr().err == ("migrator: error: --since expects a date as YYYY-MM-DD, "
                                       "got 'yesterday'\n")
    assert main(["usage", "--project", "nothing_ran", "--since", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| project | day | steps | requests |") and "(no runs)" in out
