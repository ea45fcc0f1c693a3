"""The executor graph, with the real anthropic client driven through a mocked HTTP transport."""

import json

import anthropic
import httpx2 as httpx  # the anthropic SDK now ships on httpx2

from migrator_pipeline.agents.executor import TranslationContext, build_executor_graph
from migrator_pipeline.agents.llm import LlmClient
from migrator_pipeline.planning.model import PlannedModel

CONTEXT = TranslationContext(relations={"dbo.orders": "{{ source('dbo', 'orders') }}"})
# a statement the rules refuse: models are single SELECTs, never DML
NOT_A_SELECT = PlannedModel(name="m", layer="marts", materialized="table", origin="dbo.usp_x",
                            tsql="UPDATE dbo.Orders SET Qty = 0")


def _llm(replies: list) -> tuple[LlmClient, list]:
    requests = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(json.loads(request.content))
        reply = replies[min(len(requests), len(replies)) - 1]
        if isinstance(reply, Exception):
            raise reply
        return httpx.Response(200, json={
            "id": f"msg_{len(requests)}", "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-6", "stop_reason": "end_turn", "stop_sequence": None,
            "content": [{"type": "text", "text": reply}],
            "usage": {"input_tokens": 1000, "output_tokens": 200},
        })

    sdk = anthropic.Anthropic(api_key="test-key", max_retries=0,
                              http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    return LlmClient(sdk, "claude-sonnet-4-6"), requests


def _run(model, llm):
    return build_executor_graph(CONTEXT, llm).invoke({"model": model, "attempts": 0, "llm_attempts": 0})


def test_rules_failure_without_llm_is_reported_not_raised():
    final = _run(NOT_A_SELECT, None)
    assert final["sql"] is None
    assert final["attempts"] == 1
    assert "select" in final["error"].lower()


def test_staging_sql_is_taken_as_generated():
    model = PlannedModel(name="stg", layer="staging", materialized="view", origin="dbo.orders", tsql="",
                         sql="select\n    id\nfrom {{ source('dbo', 'orders') }}")
    final = _run(model, None)
    assert (final["sql"], final["method"], final["valid"]) == (model.sql, "rules", True)


def test_llm_translates_what_rules_refuse_and_usage_is_counted():
    llm, requests = _llm(["Here:\n```sql\nselect id, 0 as qty from {{ source('dbo', 'orders') }}\n```"])
    final = _run(NOT_A_SELECT, llm)
    assert final["sql"] == "select id, 0 as qty from {{ source('dbo', 'orders') }}"
    assert (final["method"], final["attempts"], final["valid"]) == ("llm", 2, True)
    assert (final["usage"].input_tokens, final["usage"].output_tokens) == (1000, 200)
    assert round(final["usage"].cost_usd, 6) == 0.006  # 1000 * $3/M + 200 * $15/M
    assert "UPDATE dbo.Orders SET Qty = 0" in requests[0]["messages"][0]["content"]
    assert requests[0]["model"] == "claude-sonnet-4-6"


def test_llm_garbage_is_retried_then_given_up():
    llm, requests = _llm(["I cannot help with that.", "```sql\ndelete from orders\n```"])
    final = _run(NOT_A_SELECT, llm)
    assert final["sql"] is None
    assert len(requests) == 2
    assert final["error"] == "expected a SELECT, found DELETE"
    assert final["usage"].tokens == 2400


def test_llm_timeout_is_an_error_message_not_a_crash():
    llm, _ = _llm([httpx.ReadTimeout("timed out")])
    final = _run(NOT_A_SELECT, llm)
    assert final["sql"] is None
    assert final["error"].startswith("LLM call failed:")


def test_the_source_collation_decides_case_sensitivity():
    from migrator_pipeline.agents.executor import translation_context
    from migrator_pipeline.catalog.model import Catalog, Column, SourceObject
    from migrator_pipeline.planning.model import MigrationPlan
    from migrator_pipeline.tsql.translate import translate_select

    table = SourceObject("dbo", "People", "table", columns=[Column("Name", "varchar(20)")])
    plan = MigrationPlan("p", "p_raw", relations={"dbo.people": "{{ ref('people') }}"})
    query = "SELECT Name FROM dbo.People WHERE Name = 'ada'"
    for collation, expected in [("SQL_Latin1_General_CP1_CI_AS", "lower(rtrim(name))"),
                                ("Latin1_General_100_CS_AS", "where\n  rtrim(name) = 'ada'")]:
        context = translation_context(plan, Catalog("x", objects=[table], collation=collation))
        sql = translate_select(query, relations=context.relations, column_types=context.column_types,
                               case_sensitive=context.case_sensitive)
        assert expected in sql, sql


def test_views_are_typed_in_the_plans_dependency_order():
    """A view over a view keeps its types: AVG of an int column read through two views is an int."""
    from migrator_pipeline.agents.executor import translation_context
    from migrator_pipeline.catalog.model import Catalog, Column, SourceObject
    from migrator_pipeline.planning.model import MigrationPlan

    table = SourceObject("dbo", "Scores", "table", columns=[Column("Score", "int"), Column("Name", "nvarchar(20)")])
    views = [PlannedModel(name="v_scores", layer="marts", materialized="view", origin="dbo.v_scores",
                          tsql="SELECT Score, Name AS Who FROM dbo.Scores"),
             PlannedModel(name="v_average", layer="marts", materialized="view", origin="dbo.v_average",
                          tsql="SELECT Who, AVG(Score) AS Average FROM dbo.v_scores GROUP BY Who")]
    plan = MigrationPlan("p", "p_raw", models=views)
    context = translation_context(plan, Catalog("x", objects=[table]))
    assert context.column_types["dbo.v_scores"] == {"score": "int", "who": "nvarchar(20)"}
    assert context.column_types["dbo.v_average"] == {"who": "nvarchar(20)", "average": "int"}
