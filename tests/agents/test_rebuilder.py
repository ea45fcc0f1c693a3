"""The rebuilder graph against real PostgreSQL errors: the rebuild step creates the model as a view."""

import psycopg2

from migrator_pipeline.agents.rebuilder import MAX_REPAIR_ATTEMPTS, repair_models
from migrator_pipeline.dbt_project.results import NodeResult, TestReport


def _rebuild_on(pg, calls):
    def rebuild(name: str, sql: str) -> TestReport:
        calls.append(sql)
        relation_sql = sql.replace("{{ ref('customers') }}", "customers")
        try:
            pg.execute(f"create or replace view {name} as {relation_sql}")
            return TestReport([NodeResult(f"model.p.{name}", name, "model", "success")], {}, ["rebuild"])
        except psycopg2.Error as error:
            return TestReport([NodeResult(f"model.p.{name}", name, "model", "error",
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
        return TestReport([NodeResult("model.p.m", "m", "model", "error",
                                      "operator does not exist: text + unknown")])

    sql = "select a + 'x' as b from t"
    outcomes, _ = repair_models({"m": (sql, "operator does not exist: text + unknown")}, always_fails)
    # after the first fix-up nothing else changes the SQL, so the graph stops rather than looping
    assert len(calls) <= MAX_REPAIR_ATTEMPTS
    assert outcomes[0].passed is False
