"""The LLM client: the real anthropic SDK over a mocked transport — shape, accounting, retries,
prices, the response cache in the warehouse."""

import time

import httpx2 as httpx
import pytest
from mock_api import Broken, MockApi, Status, Usage, sql_reply

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


def test_a_reply_that_arrives_within_the_timeout_is_asked_for_plainly():
    """Default max_tokens (4096) at the SDK's pace estimate arrives within the 120-s timeout: a
    plain request, whose response carries the whole `usage`."""
    api = MockApi([sql_reply("SELECT 1 AS one")], usages=[Usage(700, 25, 300, 0)])
    client = api.client()
    reply = client.complete("CONVENTIONS", "object")
    [request] = api.requests
    assert not client.streamed and "stream" not in request
    assert (reply.usage.input_tokens, reply.usage.output_tokens, reply.usage.cache_read_tokens) == (700, 25, 300)


def test_a_reply_longer_than_the_timeout_allows_is_streamed_with_exact_usage():
    """max_tokens 32,000 may take 15 minutes to arrive whole: streamed, the timeout bounds the
    silence between events. The text is joined from its deltas; the usage is the API's
    cumulative count (message_delta), not message_start's output of 1 added to it."""
    api = MockApi([sql_reply("SELECT Id, Qty FROM dbo.Orders WHERE Qty > 1")],
                  usages=[Usage(1200, 300, 0, 2048)])
    client = api.client(max_tokens=32_000)
    reply = client.complete("CONVENTIONS", "object")
    [request] = api.requests
    assert client.streamed and request["stream"] is True and request["max_tokens"] == 32_000
    assert request["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert reply.text == sql_reply("SELECT Id, Qty FROM dbo.Orders WHERE Qty > 1")
    assert (reply.usage.requests, reply.usage.input_tokens, reply.usage.output_tokens,
            reply.usage.cache_read_tokens, reply.usage.cache_write_tokens) == (1, 1200, 300, 0, 2048)
    assert reply.usage.cost_usd == pytest.approx((1200 * 3 + 300 * 15 + 2048 * 3.75) / 1e6, abs=1e-12)
    assert client.budget.spent.billed_tokens == 1200 + 300 + 2048


def test_a_streamed_request_is_retried_on_529_before_its_stream_starts():
    api = MockApi([Status(529, {"retry-after-ms": "10"}), sql_reply("x")])
    reply = api.client(max_retries=1, max_tokens=32_000).complete("s", "p")
    assert reply.text == sql_reply("x") and len(api.requests) == 2 and reply.usage.requests == 1


def test_a_stream_that_breaks_off_fails_its_object_with_the_reason_and_caches_nothing(warehouse_url):
    """An `error` event mid-stream is not retried by the SDK: the executor records the object as
    failed with the reason and goes on; nothing of the partial reply is kept or run."""
    from migrator_pipeline.agents.executor import build_executor_graph
    from migrator_pipeline.agents.response_cache import PostgresResponseCache
    from test_executor_llm import CONTEXT, PROCEDURAL

    cache = PostgresResponseCache(warehouse_url, schema="t_llm_broken_stream")
    api = MockApi([Broken(), sql_reply("SELECT Id, Qty FROM dbo.Orders")])
    graph = build_executor_graph(CONTEXT, api.client(max_tokens=32_000, cache=cache))
    final = graph.invoke({"model": PROCEDURAL, "attempts": 0, "llm_attempts": 0})
    assert final["rejections"][0].startswith("LLM call failed: APIStatusError: ")
    assert "'overloaded_error'" in final["rejections"][0]
    # the second attempt's stream completes: the object is drafted, and only that answer is kept
    assert (final["method"], final["valid"], len(api.requests)) == ("rules+llm", True, 2)
    from migrator_pipeline.warehouse.connection import connect
    with connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from t_llm_broken_stream.responses")
        assert cur.fetchone()[0] == 1
        cur.execute("drop schema t_llm_broken_stream cascade")
        conn.commit()
