"""A PL/pgSQL function body written from its planned lines: each translated SELECT stands as
its value, its condition, or whole; and, like every generated file, only our own Jinja runs in it."""

from __future__ import annotations

from migrator_pipeline.dbt_project.functions import function_properties, plpgsql_body, render_function
from migrator_pipeline.planning.model import BodyLine, PlannedMacro

LINES = [
    BodyLine(0, "begin"),
    BodyLine(1, "v := ", "SELECT x", "value", ";"),
    BodyLine(1, "if ", "SELECT c", "condition", " then"),
    BodyLine(1, "for migrated_row in ", "SELECT q", "query", " loop"),
    BodyLine(1, "end loop;"),
    BodyLine(0, "end;"),
]


def _body(translated: dict[str, str]) -> str:
    return plpgsql_body(LINES, lambda tsql: translated[tsql])


def test_a_translated_select_stands_as_its_value_its_condition_or_whole():
    assert _body({
        "SELECT x": "select\n  cast(f.a as int) + 1 as migrated_value",
        "SELECT c": "select\n  1 as migrated_value\nwhere\n  f.a > 1\n  and f.b < 2",
        "SELECT q": "select\n  t.a\nfrom {{ ref('t') }} as t",
    }) == (
        "begin\n"
        "  v := cast(f.a as int) + 1;\n"
        "  if f.a > 1\n    and f.b < 2 then\n"
        "  for migrated_row in\n    select\n      t.a\n    from {{ ref('t') }} as t\n  loop\n"
        "  end loop;\n"
        "end;")


def test_a_select_that_is_more_than_its_value_stands_whole_as_a_subquery():
    """A FROM (or anything but the one value) is never cut away: the SELECT is kept, meaning the same."""
    body = _body({
        "SELECT x": "select\n  max(t.a) as migrated_value\nfrom {{ ref('t') }} as t",
        "SELECT c": "select\n  1 as migrated_value\nfrom {{ ref('t') }} as t\nwhere\n  t.a > 1",
        "SELECT q": "select 1",
    })
    assert "  v := (select\n      max(t.a) as migrated_value\n    from {{ ref('t') }} as t);\n" in body
    assert ("  if exists (select\n      1 as migrated_value\n    from {{ ref('t') }} as t\n    where\n      t.a > 1) then\n"
            in body)


def test_only_our_own_jinja_runs_in_a_function_body():
    macro = PlannedMacro("f", "dbo.f", ["n"], "", argument_types=["integer"], returns="text", plpgsql=LINES)
    sql = "begin\n  return '{{ 7*7 }}' || {{ ref('t') }}.a || {{ config(x=1) }};\nend;"
    written = render_function(macro, sql)
    assert "'{{ '{' }}{ 7*7 }}'" in written
    assert "{{ ref('t') }}.a" in written
    assert "{{ config(x=1) }}" not in written
    assert function_properties(macro)["config"] == {"volatility": "stable", "meta": {"body_language": "plpgsql"}}
