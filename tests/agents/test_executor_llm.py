"""The executor's LLM path: T-SQL -> set-based T-SQL -> the rules, through the real anthropic
client over a mocked transport (tests/agents/mock_api.py)."""

import httpx2 as httpx
from mock_api import MockApi, Usage, sql_reply

from migrator_pipeline.agents.executor import TranslationContext, build_executor_graph, draft_models
from migrator_pipeline.agents.llm import Budget
from migrator_pipeline.planning.model import MigrationPlan, PlannedModel

CONTEXT = TranslationContext(
    relations={"dbo.orders": "{{ source('dbo', 'orders') }}", "dbo.customers": "{{ ref('customers') }}"},
    columns={"dbo.orders": [("Id", "int"), ("Qty", "int"), ("Note", "varchar(20)")],
             "dbo.orders_copy": [("Id", "int"), ("Qty", "int")],
             "dbo.customers": [("Id", "int"), ("Name", "nvarchar(50)")]},
    column_types={"dbo.orders": {"id": "int", "qty": "int", "note": "varchar(20)"}})
CURSOR = """DECLARE c CURSOR FOR SELECT Id, Qty FROM dbo.Orders;
DECLARE @id int, @qty int;
OPEN c; FETCH NEXT FROM c INTO @id, @qty;
WHILE @@FETCH_STATUS = 0 BEGIN
  INSERT INTO dbo.Orders_Copy (Id, Qty) VALUES (@id, @qty);
  FETCH NEXT FROM c INTO @id, @qty;
END"""
PROCEDURAL = PlannedModel(name="orders_copy", layer="marts", materialized="table", origin="dbo.usp_copy",
                          target="dbo.orders_copy", tsql=CURSOR, depends_on=["dbo.orders"])


def _run(model, llm, context=CONTEXT):
    return build_executor_graph(context, llm).invoke({"model": model, "attempts": 0, "llm_attempts": 0})


def test_the_llm_writes_set_based_tsql_and_the_rules_translate_it():
    api = MockApi([sql_reply("SELECT Id, Qty FROM dbo.Orders WHERE Note = 'x'")])
    final = _run(PROCEDURAL, api.client())
    assert (final["method"], final["attempts"], final["valid"]) == ("rules+llm", 2, True)
    # the rules' semantics apply to the LLM's query: case-insensitive, trailing-space-blind `=`
    assert "{{ source('dbo', 'orders') }}" in final["sql"]
    assert "lower(rtrim(note))" in final["sql"]
    [request] = api.requests
    assert request["temperature"] == 0
    # the long shared prefix is cached; the object's context follows, minimal and exact
    assert request["system"][0]["cache_control"] == {"type": "ephemeral"}
    prompt = request["messages"][0]["content"]
    assert CURSOR in prompt
    assert "- dbo.orders: Id int, Qty int, Note varchar(20)" in prompt
    assert "Target columns, in order: Id int, Qty int" in prompt
    assert "customers" not in prompt  # never the whole project's relation map
    assert (final["usage"].requests, final["usage"].input_tokens, final["usage"].output_tokens) == (1, 1000, 200)
    assert round(final["usage"].cost_usd, 6) == 0.006  # 1000 * $3/M + 200 * $15/M


def test_direct_postgresql_is_the_fallback_when_the_rules_cannot_translate_the_rewrite():
    api = MockApi([sql_reply("SELECT Id, Qty FROM dbo.Orders WHERE @x = 1"),  # a variable: rules refuse
                   sql_reply("select id, qty from {{ source('dbo', 'orders') }}")])
    final = _run(PROCEDURAL, api.client())
    assert (final["method"], final["valid"], len(api.requests)) == ("llm", True, 2)
    assert final["rejections"][0].startswith("the rules could not translate the rewrite")
    assert "PostgreSQL query" in api.requests[1]["messages"][0]["content"]
    assert "{{ source('dbo', 'orders') }}" in api.requests[1]["messages"][0]["content"]


def test_rejections_are_recorded_fed_back_and_bounded():
    api = MockApi(["I cannot help with that.", sql_reply("DROP TABLE dbo.Orders")])
    final = _run(PROCEDURAL, api.client())
    assert final["sql"] is None and len(api.requests) == 2
    assert final["rejections"] == ["rewrite rejected: reply held no fenced SQL block",
                                   "rewrite rejected: expected a SELECT, found DROP"]
    assert "previous answer was rejected: rewrite rejected: reply held no fenced SQL block" in \
        api.requests[1]["messages"][0]["content"]
    assert final["usage"].tokens == 2400


def test_wrong_columns_are_rejected():
    api = MockApi([sql_reply("SELECT Id FROM dbo.Orders"), sql_reply("SELECT Id, Qty, Note FROM dbo.Orders")])
    final = _run(PROCEDURAL, api.client())
    assert final["sql"] is None
    assert final["rejections"] == [
        "rewrite rejected: expected 2 columns (id, qty), found 1 (id)",
        "rewrite rejected: expected 2 columns (id, qty), found 3 (id, qty, note)"]


def test_retries_exhausted_fail_the_object_with_the_reason():
    api = MockApi([httpx.ReadTimeout("timed out")])
    final = _run(PROCEDURAL, api.client(max_retries=1))
    assert final["sql"] is None
    assert final["error"].startswith("LLM call failed: APITimeoutError")
    assert len(api.requests) == 2 * 2  # two attempts, each the first try and one SDK retry


def test_an_exhausted_budget_leaves_the_rest_for_review_and_nothing_is_lost(tmp_path):
    plan = MigrationPlan("p", "p_raw", relations=CONTEXT.relations, models=[
        PlannedModel(name=f"copy_{i}", layer="marts", materialized="table", origin=f"dbo.usp_{i}",
                     tsql=CURSOR, depends_on=["dbo.orders"]) for i in range(3)])
    from migrator_pipeline.catalog.model import Catalog
    api = MockApi([sql_reply("SELECT Id, Qty FROM dbo.Orders")], usages=[Usage(1000, 200)])
    # spent by the first object's one request; told to proceed although the estimate is larger
    budget = Budget(max_tokens=1000, proceed_over_estimate=True)
    drafts = draft_models(plan, Catalog("x"), api.client(budget=budget))
    assert [(d.name, d.method, d.needs_review, d.error) for d in drafts.models] == [
        ("copy_0", "rules+llm", False, None),
        ("copy_1", "none", True, "budget exhausted"),
        ("copy_2", "none", True, "budget exhausted")]
    assert len(api.requests) == 1
    assert all(d.origin for d in drafts.models)  # every object is still there, for review


def test_objects_run_concurrently_up_to_the_limit():
    import threading
    import time

    from migrator_pipeline.catalog.model import Catalog
    in_flight, peak, lock = [0], [0], threading.Lock()
    api = MockApi([sql_reply("SELECT Id, Qty FROM dbo.Orders")])
    plain = api.handler

    def slow(request):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.2)
        with lock:
            in_flight[0] -= 1
        return plain(request)

    api.handler = slow
    plan = MigrationPlan("p", "p_raw", relations=CONTEXT.relations, models=[
        PlannedModel(name=f"copy_{i}", layer="marts", materialized="table", origin=f"dbo.usp_{i}",
                     tsql=CURSOR, depends_on=["dbo.orders"]) for i in range(6)])
    drafts = draft_models(plan, Catalog("x"), api.client(concurrency=3))
    assert [d.method for d in drafts.models] == ["rules+llm"] * 6
    assert [d.name for d in drafts.models] == [f"copy_{i}" for i in range(6)]  # plan order kept
    assert peak[0] == 3


def test_an_assessment_estimate_over_the_budget_refuses_to_start_unless_told_to_proceed():
    """The assessment's estimate (its summary's `llm_estimate`: each object one request with a
    600-token reply, the rest input) priced at the model's rates, against what is left."""
    estimate = {"objects": 3, "share": 0.5, "tokens": 4800}  # 3 replies of 600, 3,000 input tokens
    api = MockApi([])
    assert api.client(budget=Budget(max_tokens=4800)).refusal(estimate) is None
    assert api.client(budget=Budget(max_tokens=4799)).refusal(estimate) == (
        "refusing to start the LLM work: the assessment's estimated 4800 tokens exceed the budget "
        "(4799 left) for 3 objects; nothing was spent: raise the budget or set MIGRATOR_LLM_PROCEED=1 "
        "to spend up to the budget anyway")
    # 3,000 * $3/M + 1,800 * $15/M = $0.036 on Sonnet
    assert api.client(budget=Budget(max_usd=0.036)).refusal(estimate) is None
    assert "estimated $0.0360 exceeds the budget ($0.0350 left) for 3 objects" in (
        api.client(budget=Budget(max_usd=0.035)).refusal(estimate))
    assert api.client(budget=Budget(max_usd=0.035, proceed_over_estimate=True)).refusal(estimate) is None
    assert api.client(budget=Budget()).refusal(estimate) is None  # no budget, nothing to exceed
    assert api.requests == []


def test_a_procedures_parameters_stay_parameters_in_the_rewrite_and_become_dbt_vars():
    """The LLM is told the parameters (and nothing else may be a variable); the executor binds
    them as the planner binds those of rules-translated procedures: `@n` -> the var's placeholder,
    cast to the parameter's type, which the dbt writer turns into `{{ var('n', 3) }}`."""
    from dataclasses import replace

    from migrator_pipeline.catalog.model import SourceObject
    procedure = SourceObject("dbo", "usp_copy", "procedure", parameters=[["@MinQty", "int"], ["@Note", "varchar(20)"]],
                             body="CREATE PROCEDURE dbo.usp_copy @MinQty int = 3, @Note varchar(20) AS\n" + CURSOR)
    context = replace(CONTEXT, procedures={"dbo.usp_copy": procedure})
    api = MockApi([sql_reply("SELECT Id, Qty FROM dbo.Orders WHERE Qty >= @MinQty AND Note = @note")])
    final = _run(PROCEDURAL, api.client(), context)
    assert (final["method"], final["valid"]) == ("rules+llm", True)
    assert "cast(migrator_var__minqty as int)" in final["sql"].lower()
    assert "migrator_var__note" in final["sql"].lower() and "@" not in final["sql"]
    prompt = api.requests[0]["messages"][0]["content"]
    assert "- @MinQty int = 3\n- @Note varchar(20) (no default)" in prompt


def test_a_parameter_in_a_direct_postgresql_answer_is_the_vars_placeholder():
    from dataclasses import replace

    from migrator_pipeline.catalog.model import SourceObject
    procedure = SourceObject("dbo", "usp_copy", "procedure", parameters=[["@MinQty", "int"]],
                             body="CREATE PROCEDURE dbo.usp_copy @MinQty int = 3 AS\n" + CURSOR)
    context = replace(CONTEXT, procedures={"dbo.usp_copy": procedure})
    api = MockApi([sql_reply("SELECT Id, Qty FROM dbo.Orders WHERE @x = 1"),  # a local variable: refused
                   sql_reply("select id, qty from {{ source('dbo', 'orders') }} where qty >= migrator_var__minqty")])
    final = _run(PROCEDURAL, api.client(), context)
    assert (final["method"], final["valid"]) == ("llm", True)
    assert "- migrator_var__minqty int = 3" in api.requests[1]["messages"][0]["content"]
