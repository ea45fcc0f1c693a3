import pytest

from migrator_pipeline.dbt_project.jinja_sql import protect, single_select_error


def test_protect_round_trips_jinja():
    sql = "select a from {{ ref('x') }} join {{ source('dbo', 'y') }} on true"
    parseable, restore = protect(sql)
    assert parseable == "select a from __jinja_0__ join __jinja_1__ on true"
    assert restore(parseable) == sql


@pytest.mark.parametrize("sql, problem", [
    ("select a from {{ ref('x') }}", None),
    ("with c as (select 1 as a) select a from c union all select 2", None),
    ("delete from t", "expected a SELECT, found DELETE"),
    ("create table t (a int)", "expected a SELECT, found CREATE"),
    ("select 1; select 2", "expected one SELECT, found 2 statements"),
    ("", "expected one SELECT, found 0 statements"),
])
def test_single_select_error(sql, problem):
    assert single_select_error(sql) == problem


def test_single_select_error_gives_position():
    assert single_select_error("select a from t where").startswith("not valid PostgreSQL at line 1")
