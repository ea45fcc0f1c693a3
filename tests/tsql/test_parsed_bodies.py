"""`body_statements` parses a body once and hands each caller trees of its own: what one caller
rewrites, the next does not see."""

from sqlglot import exp

from migrator_pipeline.tsql import modules
from migrator_pipeline.tsql.modules import body_statements

BODY = "SET NOCOUNT ON;\nINSERT INTO dbo.t (a) SELECT a FROM dbo.s WHERE a > 1;\nEND"


def test_each_caller_gets_trees_of_its_own() -> None:
    first, first_errors = body_statements(BODY)
    assert [s.sql("tsql") for s in first] == ["INSERT INTO dbo.t (a) SELECT a FROM dbo.s WHERE a > 1"]
    assert first_errors == [("END without a matching BEGIN", BODY.index("END"))]
    first[0].find(exp.Table).set("this", exp.to_identifier("rewritten"))
    first_errors.clear()
    again, errors = body_statements(BODY)
    assert [s.sql("tsql") for s in again] == ["INSERT INTO dbo.t (a) SELECT a FROM dbo.s WHERE a > 1"]
    assert errors == [("END without a matching BEGIN", BODY.index("END"))]
    assert again[0] is not first[0]


def test_parsed_bodies_kept_within_their_budget(monkeypatch) -> None:
    monkeypatch.setattr(modules, "_PARSED", type(modules._PARSED)())
    monkeypatch.setattr(modules, "_parsed_size", 0)
    monkeypatch.setattr(modules, "_PARSED_BUDGET", 100)
    bodies = [f"SELECT {n} AS value_{n} FROM dbo.numbers_table_{n}" for n in range(10)]
    for body in bodies:
        body_statements(body)
    assert list(modules._PARSED) == bodies[-2:]  # the most recent, within 100 characters
    assert modules._parsed_size == sum(map(len, bodies[-2:])) <= 100
    body_statements("SELECT 1 AS one" + " " * 200)  # longer than the budget: parsed, not kept
    assert list(modules._PARSED) == bodies[-2:]
