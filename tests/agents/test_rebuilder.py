"""The rebuilder graph against real PostgreSQL errors: the rebuild step creates the model as a view."""

import psycopg2

from migrator_pipeline.agents.rebuilder import MAX_REPAIR_ATTEMPTS, repair_models
from migrator_pipeline.dbt_project.results import BuildReport, NodeResult


def _rebuild_on(pg, calls):
    def rebuild(name: str, sql: str) -> BuildReport:
        calls.append(sql)
        relation_sql = sql.replace("{{ ref('customers') }}", "customers")
        try:
            pg.execute(f"create or replace view {name} as {relation_sql}")
            return BuildReport([NodeResult(f"model.p.{name}", name, "model", "success")], {}, ["rebuild"])
        except psycopg2.Error as error:
            return BuildReport([NodeResult(f"model.p.{name}", name, "model", "error",
                                           error.pgerror.splitlines()[0].removeprefix("ERROR:  "))],
                               {}, ["rebuild"])
    return rebuild


def test_deterministic_fixups_repair_what_postgres_rejected(pg):
    pg.execute("create table customers (id int, first_name text, last_name text, is_active boolean);"
               "insert into customers values (1, 'Ada', 'Lovelace', true), (2, 'Alan', 'Turing', false)")
    sql = ("select id, first_name + ' ' + last_name as full_name from {{ ref('customers') }} "
           "where is_active = 1")
    calls = []
    outcomes, evidence = repair_models(
        {"active_customers": (sql, "operator does not exist: text + unknown")}, _rebuild_on(pg, calls))
    [outcome] = outcomes
    # the first fix-up makes the concatenation valid; PostgreSQL then rejects `boolean = integer`,
    # which the second fix-up repairs
    assert outcome.passed
    assert outcome.fixes == ["string_plus", "bit_literals"]
    assert outcome.attempts == 2
    assert evidence.model("active_customers").status == "success"
    pg.execute("select * from active_customers")
    assert pg.fetchall() == [(1, "Ada Lovelace")]


def test_unrepairable_model_stops_without_rebuilding():
    def never(name, sql):
        raise AssertionError("no fix-up applies, so nothing may be rebuilt")

    outcomes, evidence = repair_models({"m": ("select nope from t", 'column "nope" does not exist')}, never)
    assert (outcomes[0].passed, outcomes[0].attempts, outcomes[0].fixes) == (False, 0, [])
    assert outcomes[0].error == 'column "nope" does not exist'
    assert evidence.nodes == []


def test_attempts_are_bounded(pg):
    calls = []

    def always_fails(name, sql):
        calls.append(sql)
        return BuildReport([NodeResult("model.p.m", "m", "model", "error",
                                       "operator does not exist: text + unknown")])

    sql = "select a + 'x' as b from t"
    outcomes, _ = repair_models({"m": (sql, "operator does not exist: text + unknown")}, always_fails)
    # the first fix-up (string_plus) is rebuilt once; after it nothing else changes the SQL, so the
    # graph stops rather than looping up to MAX_REPAIR_ATTEMPTS (zero rebuilds would be a bug too)
    assert len(calls) == 1 < MAX_REPAIR_ATTEMPTS
    assert "a || 'x'" in calls[0]
    assert (outcomes[0].passed, outcomes[0].attempts, outcomes[0].fixes) == (False, 1, ["string_plus"])


# --- the LLM repair, with a scripted model behind the real SDK -------------------------------

from mock_api import MockApi, sql_reply  # noqa: E402

from migrator_pipeline.agents.rebuilder import RepairContext  # noqa: E402

REPAIR_CONTEXT = RepairContext(relations={"dbo.customers": "{{ ref('customers') }}"},
                               columns={"active": ["id", "name"]},
                               compiled_sql={"active": "select id, nam from customers"})


def _customers(pg):
    pg.execute("create table customers (id int, name text, is_active boolean);"
               "insert into customers values (1, 'Ada', true), (2, 'Alan', false)")


def test_the_llm_was_wrong_dbt_failed_and_the_repair_succeeds(pg):
    _customers(pg)
    api = MockApi([sql_reply("select id, name from {{ ref('customers') }} where is_active")])
    calls = []
    outcomes, _ = repair_models({"active": ("select id, nam as name from {{ ref('customers') }}",
                                            'column "nam" does not exist')},
                                _rebuild_on(pg, calls), api.client(), REPAIR_CONTEXT)
    [outcome] = outcomes
    assert (outcome.passed, outcome.fixes, outcome.attempts) == (True, ["llm"], 1)
    prompt = api.requests[0]["messages"][0]["content"]
    assert 'column "nam" does not exist' in prompt and "select id, nam from customers" in prompt
    pg.execute("select * from active")
    assert pg.fetchall() == [(1, "Ada")]
    assert outcome.usage.requests == 1


def test_rows_that_differ_are_repaired_by_the_llm(pg):
    _customers(pg)
    expected = [(1, "Ada")]

    def check_rows(name):
        pg.execute(f"select id, name from {name} order by id")
        got = pg.fetchall()
        return None if got == expected else f"expected {expected}, got {got}"

    pg.execute("create view active as select id, name from customers")  # built, wrong rows
    api = MockApi([sql_reply("select id, name from {{ ref('customers') }} where is_active")])
    outcomes, _ = repair_models({"active": ("select id, name from {{ ref('customers') }}", "")},
                                _rebuild_on(pg, []), api.client(), REPAIR_CONTEXT, check_rows)
    # the model builds but its rows differ; the differences go to the LLM, whose repair fixes them
    [outcome] = outcomes
    assert (outcome.passed, outcome.fixes, outcome.attempts) == (True, ["llm"], 1)
    assert "expected [(1, 'Ada')], got [(1, 'Ada'), (2, 'Alan')]" in api.requests[0]["messages"][0]["content"]


def test_llm_repairs_run_out_and_rejections_are_recorded(pg):
    _customers(pg)
    api = MockApi([sql_reply("drop table customers"), sql_reply("select id, nam from {{ ref('customers') }}")])
    calls = []
    outcomes, _ = repair_models({"active": ("select id, nam as name from {{ ref('customers') }}",
                                            'column "nam" does not exist')},
                                _rebuild_on(pg, calls), api.client(), REPAIR_CONTEXT)
    [outcome] = outcomes
    assert outcome.passed is False and len(api.requests) == 2
    assert outcome.rejections == ["repair rejected: expected a SELECT, found DROP",
                                  "repair rejected: columns differ from the target: missing name; unexpected nam"]
    assert calls == []  # nothing the LLM wrote was ever run
    pg.execute("select count(*) from customers")
    assert pg.fetchone() == (2,)
