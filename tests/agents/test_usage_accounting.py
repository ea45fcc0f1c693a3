"""Usage accounting: exact sums of the mocked responses' usage, under our keys and dagster-anthropic's."""

import dagster as dg
import pytest
from mock_api import MockApi, Usage, sql_reply

from migrator_pipeline.agents.executor import draft_models
from migrator_pipeline.agents.llm import UnknownModelPrice
from migrator_pipeline.catalog.model import Catalog
from migrator_pipeline.defs.resources import LlmResource
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel
from migrator_pipeline.usage import usage_metadata

LOOP = "DECLARE @i int = 1; WHILE @i <= 3 BEGIN INSERT INTO dbo.N VALUES (@i); SET @i += 1; END"


def _plan():
    rules_model = PlannedModel(name="orders", layer="marts", materialized="view", origin="dbo.v_orders",
                               tsql="SELECT Id FROM dbo.Orders", depends_on=["dbo.orders"])
    loops = [PlannedModel(name=f"n{i}", layer="marts", materialized="table", origin=f"dbo.usp_n{i}",
                          tsql=LOOP, depends_on=[]) for i in range(2)]
    return MigrationPlan("p", "p_raw", relations={"dbo.orders": "{{ source('dbo', 'orders') }}"},
                         models=[rules_model, *loops])


def test_step_metadata_is_the_exact_sum_of_the_responses_usage():
    usages = [Usage(1500, 120, 0, 2100), Usage(60, 20, 0, 0), Usage(1400, 110, 2100, 0)]
    api = MockApi(["no block", sql_reply("SELECT n = 1 UNION ALL SELECT 2 UNION ALL SELECT 3"),
                   sql_reply("SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3")], usages=usages)
    drafts = draft_models(_plan(), Catalog("x"), api.client())
    assert [(m.name, m.method, m.attempts) for m in drafts.models] == [
        ("orders", "rules", 1), ("n0", "rules+llm", 3), ("n1", "rules+llm", 2)]
    assert [m.usage.requests for m in drafts.models] == [0, 2, 1]
    metadata = usage_metadata(objects=3, models=3, llm=drafts.usage, seconds=1.5)
    assert {k: v for k, v in metadata.items() if not k.startswith("usage/")} == {
        "llm_requests": 3, "llm_input_tokens": 2960, "llm_output_tokens": 250,
        "llm_cache_read_tokens": 2100, "llm_cache_write_tokens": 2100,
        "llm_cost_usd": round((2960 * 3 + 250 * 15 + 2100 * 0.3 + 2100 * 3.75) / 1e6, 6),
        "objects_processed": 3, "models_generated": 3, "duration_s": 1.5,
        "anthropic.calls": 3, "anthropic.input_tokens": 2960, "anthropic.output_tokens": 250,
        "anthropic.cache_read_input_tokens": 2100, "anthropic.cache_creation_input_tokens": 2100}
    assert all(isinstance(v, (int, float)) for v in metadata.values())


def test_the_resource_is_off_without_a_key_and_refuses_an_unknown_model(monkeypatch):
    assert LlmResource(enabled=True, api_key="").client() is None
    assert LlmResource(enabled=False, api_key="k").client() is None
    with pytest.raises(UnknownModelPrice):
        LlmResource(enabled=True, api_key="k", model="claude-unpriced").client()


def test_the_key_comes_from_the_environment_and_never_shows(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env-1234")
    from migrator_pipeline.defs.environment import migrator_resources
    monkeypatch.setenv("MIGRATOR_LLM_ENABLED", "1")
    resource = migrator_resources()["llm"]
    assert isinstance(resource.api_key, dg.EnvVar)
    assert "sk-ant-from-env-1234" not in repr(resource)


def test_the_assessments_token_estimate_counts_the_prompts_fixed_part():
    """The assessment cannot import the prompts (it sits below the agents): its overhead constant
    is kept in step with them here (4 chars a token); the budget check prices the same estimate."""
    from migrator_pipeline.agents import prompts
    from migrator_pipeline.agents.llm import ESTIMATED_REPLY_TOKENS as CLIENT_REPLY_TOKENS
    from migrator_pipeline.assessment import ESTIMATED_REPLY_TOKENS, PROMPT_OVERHEAD_TOKENS

    fixed = len(prompts.CONVENTIONS + prompts.REWRITE_TASK) // 4
    assert fixed <= PROMPT_OVERHEAD_TOKENS <= fixed + 100  # plus the context's few labels
    assert ESTIMATED_REPLY_TOKENS == CLIENT_REPLY_TOKENS
