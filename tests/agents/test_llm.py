"""The LLM client: the real anthropic SDK over a mocked transport — shape, accounting, retries,
prices, the response cache in the warehouse."""

import time

import httpx2 as httpx
import pytest
from mock_api import MockApi, Status, Usage, sql_reply

from migrator_pipeline.agents.llm import PRICES, Budget, BudgetExhausted, LlmClient, UnknownModelPrice
from migrator_pipeline.agents.response_cache import PostgresResponseCache


def test_request_shape_and_exact_usage_with_prompt_caching():
    api = MockApi(["a", "b"], usages=[Usage(1200, 300, 0, 2048), Usage(150, 80, 2048, 0)])
    client = api.client()
    first, second = client.complete("CONVENTIONS", "object one"), client.complete("CONVENTIONS", "object two")
    request = api.requests[0]
    assert request["system"] == [{"type": "text", "text": "CONVENTIONS", "cache_control": {"type": "ephemeral"}}]
    assert request["messages"] == [{"role": "user", "content": "object one"}]
    assert (request["model"], request["max_tokens"], request["temperature"]) == ("claude-sonnet-4-6", 4096, 0.0)
    # the key travels in the auth header only, never in the prompt
    assert api.headers[0]["authorization"] == "Bearer sk-ant-test-secret-0000"
    assert "sk-ant" not in repr(api.requests)
    assert (first.usage.cache_write_tokens, second.usage.cache_read_tokens) == (2048, 2048)
    # $3/M input, $15/M output, cache writes 1.25x input, cache reads 0.1x input
    assert first.usage.cost_usd == pytest.approx((1200 * 3 + 300 * 15 + 2048 * 3.75) / 1e6, abs=1e-12)
    assert second.usage.cost_usd == pytest.approx((150 * 3 + 80 * 15 + 2048 * 0.3) / 1e6, abs=1e-12)
    assert client.budget.spent.requests == 2
    assert client.budget.spent.billed_tokens == 1200 + 300 + 2048 + 150 + 80 + 2048


def test_temperature_is_not_sent_to_models_that_reject_it():
    api = MockApi(["a"])
    LlmClient(api.sdk(), "claude-opus-4-7").complete("s", "p")
    assert "temperature" not in api.requests[0]


def test_an_unknown_model_is_refused_at_start_not_priced_as_another():
    with pytest.raises(UnknownModelPrice, match="no price for model 'claude-mystery-9'"):
        LlmClient(MockApi([]).sdk(), "claude-mystery-9")
    assert "claude-mystery-9" not in PRICES


def test_429_and_529_are_retried_honouring_retry_after():
    api = MockApi([Status(429, {"retry-after": "1"}), Status(529, {"retry-after-ms": "10"}), sql_reply("x")])
    started = time.monotonic()
    reply = api.client(max_retries=2).complete("s", "p")
    assert time.monotonic() - started >= 1.0  # the server's retry-after, not the SDK's 0.5 s start
    assert len(api.requests) == 3 and reply.usage.requests == 1  # only the answered request is billed
    assert api.headers[2]["x-stainless-retry-count"] == "2"


def test_retries_exhausted_raise_for_the_caller_to_record():
    import anthropic
    api = MockApi([Status(529, {"retry-after-ms": "1"})])
    with pytest.raises(anthropic.InternalServerError):
        api.client(max_retries=2).complete("s", "p")
    assert len(api.requests) == 3


def test_a_timeout_is_retried_then_raised():
    import anthropic
    api = MockApi([httpx.ReadTimeout("timed out"), sql_reply("x")])
    assert api.client(max_retries=1).complete("s", "p").text == sql_reply("x")
    api = MockApi([httpx.ReadTimeout("timed out")])
    with pytest.raises(anthropic.APITimeoutError):
        api.client(max_retries=0).complete("s", "p")


def test_a_spent_budget_asks_nothing():
    api = MockApi(["a"], usages=[Usage(100, 50)])
    client = api.client(budget=Budget(max_usd=0.0001))
    client.complete("s", "p")
    with pytest.raises(BudgetExhausted):
        client.complete("s", "q")
    assert len(api.requests) == 1


def test_an_unchanged_rerun_is_answered_from_the_warehouse_cache(warehouse_url):
    cache = PostgresResponseCache(warehouse_url, schema="t_llm_cache_test")
    api = MockApi(["one", "two"])
    client = api.client(cache=cache)
    assert [client.complete("s", p, "v1").text for p in ("p1", "p2")] == ["one", "two"]
    rerun = MockApi(["never"])
    again = rerun.client(cache=cache)
    replies = [again.complete("s", p, "v1") for p in ("p1", "p2")]
    assert [r.text for r in replies] == ["one", "two"] and all(r.cached for r in replies)
    assert rerun.requests == [] and again.budget.spent.requests == 0
    # another prompt version or model asks again
    again.complete("s", "p1", "v2")
    assert len(rerun.requests) == 1
    from migrator_pipeline.warehouse.connection import connect
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from t_llm_cache_test.responses")
        assert cur.fetchone()[0] == 3
        cur.execute("drop schema t_llm_cache_test cascade")
        conn.commit()


def test_requests_are_not_streamed_and_usage_comes_from_the_whole_response():
    """The product never streams: a reply is one short query, so the plain response (its `usage`
    exact and complete) is all it needs. A streamed request would carry `stream: true` and
    expect `text/event-stream`; neither is ever sent."""
    api = MockApi([sql_reply("SELECT 1 AS one")], usages=[Usage(700, 25, 300, 0)])
    reply = api.client().complete("CONVENTIONS", "object")
    [request] = api.requests
    assert "stream" not in request
    assert "text/event-stream" not in api.headers[0].get("accept", "")
    assert (reply.usage.input_tokens, reply.usage.output_tokens, reply.usage.cache_read_tokens) == (700, 25, 300)
