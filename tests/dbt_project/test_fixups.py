import pytest

from migrator_pipeline.dbt_project.fixups import repair

CASES = [
    # (model sql, PostgreSQL error, fixed sql, fix-up)
    ("select round(price * 1.5e0, 2) as p from {{ ref('orders') }} order by 1",
     "function round(double precision, integer) does not exist",
     "SELECT\n  ROUND(CAST(price * 1.5e0 AS DECIMAL), 2) AS p\nFROM {{ ref('orders') }}\nORDER BY\n  1",
     "round_numeric"),
    ("select id from {{ ref('c') }} where is_active = 1 and is_vip <> 0",
     "operator does not exist: boolean = integer",
     "SELECT\n  id\nFROM {{ ref('c') }}\nWHERE\n  is_active = TRUE AND is_vip <> FALSE",
     "bit_literals"),
    ("select first_name + ' ' + last_name as full_name, qty + 1 as q from t",
     "operator does not exist: character varying + unknown",
     "SELECT\n  first_name || ' ' || last_name AS full_name,\n  qty + 1 AS q\nFROM t",
     "string_plus"),
]


@pytest.mark.parametrize("sql, error, fixed, fixup", CASES)
def test_repair(sql, error, fixed, fixup):
    assert repair(sql, error) == (fixed, fixup)


def test_no_fixup_for_unknown_error():
    assert repair("select a from t", 'relation "t" does not exist') is None


def test_no_fixup_when_nothing_changes():
    assert repair("select a from t", "operator does not exist: boolean = integer") is None


@pytest.mark.parametrize("sql, error, fixed, fixup", CASES[:2])
def test_fixed_sql_runs_where_the_original_failed(pg, sql, error, fixed, fixup):
    pg.execute("create table orders (price double precision); insert into orders values (1.25), (2.5)")
    pg.execute("create table c (id int, is_active boolean, is_vip boolean);"
               "insert into c values (1, true, true), (2, false, true), (3, true, false)")
    render = lambda s: s.replace("{{ ref('orders') }}", "orders").replace("{{ ref('c') }}", "c")
    with pytest.raises(Exception, match="does not exist"):
        pg.execute(render(sql))
    pg.execute(render(fixed))
    rows = [tuple(str(v) for v in row) for row in pg.fetchall()]
    # numeric rounding is half away from zero, as SQL Server's ROUND is
    assert rows == ([("1.88",), ("3.75",)] if fixup == "round_numeric" else [("1",)])
