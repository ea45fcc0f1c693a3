"""The one formatter of model SQL: examples of the style, and the same rows before and after."""

import jinja2
import pytest

from migrator_pipeline.dbt_project.sql_style import format_model_sql

FACT = """select ol.orderlineid, o.orderid, {{ fn_net('ol.quantity', 'ol.price') }} as net
from {{ ref('stg_dbo__orderlines') }} as ol
join {{ ref('stg_dbo__orders') }} as o on o.orderid = ol.orderid
left outer join {{ ref('vw_extra') }} as x on x.orderid = o.orderid
where o.status <> 'Cancelled'"""

FACT_STYLED = """with orderlines as (
  select * from {{ ref('stg_dbo__orderlines') }}
),

orders as (
  select * from {{ ref('stg_dbo__orders') }}
),

vw_extra as (
  select * from {{ ref('vw_extra') }}
),

final as (
  select
    ol.orderlineid,
    o.orderid,
    {{ fn_net('ol.quantity', 'ol.price') }} as net
  from orderlines as ol
  inner join orders as o
    on o.orderid = ol.orderid
  left join vw_extra as x
    on x.orderid = o.orderid
  where
    o.status <> 'Cancelled'
)

select * from final"""

LOGICAL = """WITH daily AS (SELECT o.d, COUNT(*) AS n FROM {{ ref('stg_dbo__orders') }} AS o GROUP BY o.d)
SELECT daily.d, daily.n FROM daily"""

LOGICAL_STYLED = """with orders as (
  select * from {{ ref('stg_dbo__orders') }}
),

daily as (
  select
    o.d,
    count(*) as n
  from orders as o
  group by
    o.d
),

final as (
  select
    daily.d,
    daily.n
  from daily
)

select * from final"""

ORDERED_STYLED = """with orders as (
  select * from {{ ref('stg_dbo__orders') }}
)

select
  o.d
from orders as o
order by
  o.d nulls first
limit 3"""

# sqlfluff's postgres layout (the generated project's linter): `lateral (` one indent under its
# join, the rows of `values` at the keyword's indent, `u (k, v)` spaced
LATERAL = """select o.orderid, l.n, u.k, u.v from {{ ref('stg_dbo__orders') }} as o
left join lateral (select count(*) as n from {{ ref('stg_dbo__orderlines') }} as ol where ol.orderid = o.orderid) as l
on true cross join lateral (values ('a', o.customerid), ('b', o.orderid)) as u(k, v)"""

LATERAL_STYLED = """with orders as (
  select * from {{ ref('stg_dbo__orders') }}
),

orderlines as (
  select * from {{ ref('stg_dbo__orderlines') }}
),

final as (
  select
    o.orderid,
    l.n,
    u.k,
    u.v
  from orders as o
  left join
    lateral (
      select
        count(*) as n
      from orderlines as ol
      where
        ol.orderid = o.orderid
    ) as l
    on true
  cross join
    lateral (
      values
      ('a', o.customerid),
      ('b', o.orderid)
    ) as u (k, v)
)

select * from final"""

# a long ordered string_agg: its arguments and `order by` one indent in, no blank lines
STRING_AGG = """select o.customerid, string_agg(case when o.status is null then 'none' else o.status end || ' '
|| o.customerid, ', ' order by o.orderid desc, o.d) as statuses from {{ ref('stg_dbo__orders') }} as o group by o.customerid"""

STRING_AGG_STYLED = """with orders as (
  select * from {{ ref('stg_dbo__orders') }}
),

final as (
  select
    o.customerid,
    string_agg(
      case when o.status is null then 'none' else o.status end || ' ' || o.customerid,
      ', '
      order by o.orderid desc, o.d
    ) as statuses
  from orders as o
  group by
    o.customerid
)

select * from final"""


@pytest.mark.parametrize(("sql", "styled"), [
    (FACT, FACT_STYLED),
    # the query's own CTEs come after the imports, then `final`
    (LOGICAL, LOGICAL_STYLED),
    # ordered at the top: the query stays the last statement, an outer select would lose the order
    ("select o.d from {{ ref('stg_dbo__orders') }} as o order by o.d nulls first limit 3", ORDERED_STYLED),
    # an import CTE never takes a name an alias of another relation has, nor a reserved word
    ("select orders.a from {{ ref('stg_dbo__customers') }} as orders, {{ source('dbo', 'orders') }} as o",
     "with customers as (\n  select * from {{ ref('stg_dbo__customers') }}\n),\n\n"
     "orders_2 as (\n  select * from {{ source('dbo', 'orders') }}\n),\n\n"
     "final as (\n  select\n    orders.a\n  from customers as orders, orders_2 as o\n)\n\nselect * from final"),
    ("select s.\"from\" from {{ source('dbo', 'select') }} as s",
     "with select_2 as (\n  select * from {{ source('dbo', 'select') }}\n),\n\n"
     "final as (\n  select\n    s.\"from\"\n  from select_2 as s\n)\n\nselect * from final"),
    # a relation read twice has one import; short parentheses stay on one line
    ("select a.x, b.x from {{ ref('t') }} as a join {{ ref('t') }} as b on (a.x + 1) = b.x",
     "with t as (\n  select * from {{ ref('t') }}\n),\n\nfinal as (\n  select\n    a.x,\n    b.x\n"
     "  from t as a\n  inner join t as b\n    on (a.x + 1) = b.x\n)\n\nselect * from final"),
    (LATERAL, LATERAL_STYLED),
    (STRING_AGG, STRING_AGG_STYLED),
    # no relation read: formatted, no CTEs
    ("SELECT 1 AS a", "select\n  1 as a"),
])
def test_model_sql_is_written_in_the_projects_style(sql, styled):
    assert format_model_sql(sql) == styled
    assert format_model_sql(styled) == styled  # formatting twice changes nothing


@pytest.mark.parametrize("sql", [
    "select 1 as a {% if is_incremental() %} where 1 = 1 {% endif %}",  # Jinja statements: not ours to move
    "select a from t; select b from t",  # not one query
    "select a frm t where",  # not SQL sqlglot reads
])
def test_sql_that_cannot_be_formatted_safely_is_kept_as_it_was(sql):
    assert format_model_sql(sql) == sql


def test_a_comment_is_never_lost():
    styled = format_model_sql("select a -- the key\nfrom {{ ref('x') }} as x /* why: legacy */")
    assert "the key" in styled and "why: legacy" in styled


ROWS_SQL = [
    FACT.replace("{{ fn_net('ol.quantity', 'ol.price') }}", "ol.quantity * ol.price"),
    LOGICAL,
    LATERAL,
    STRING_AGG,
    "select o.d from {{ ref('stg_dbo__orders') }} as o order by o.d nulls first limit 3",
    """select c.city, count(distinct o.orderid) as orders
    from {{ ref('stg_dbo__orders') }} as o join {{ ref('stg_dbo__customers') }} as c using (customerid)
    group by c.city having count(*) > 1""",
    """with recursive n as (select 1 as i union all select i + 1 from n where i < 3)
    select n.i, o.orderid from n cross join {{ ref('stg_dbo__orders') }} as o where o.orderid = n.i""",
]


@pytest.mark.parametrize("sql", ROWS_SQL)
def test_the_styled_model_returns_the_same_rows_on_postgres(pg, sql):
    pg.execute("""
        create table stg_dbo__orders (orderid int, customerid int, d date, status text);
        create table stg_dbo__orderlines (orderlineid int, orderid int, quantity int, price numeric(10, 2));
        create table stg_dbo__customers (customerid int, city text);
        create table vw_extra (orderid int);
        insert into stg_dbo__orders values (1, 1, '2024-01-02', 'Open'), (2, 1, null, 'Cancelled'),
            (3, 2, '2024-01-01', 'Open'), (4, 2, '2024-01-01', 'Shipped');
        insert into stg_dbo__orderlines values (1, 1, 2, 1.50), (2, 1, 1, 3.00), (3, 3, 5, 0.10), (4, 4, 1, 9.99);
        insert into stg_dbo__customers values (1, 'Oslo'), (2, 'Lima');
        insert into vw_extra values (1), (4);
    """)
    styled = format_model_sql(sql)
    assert styled != sql
    pg.execute(_rendered(sql))
    before = pg.fetchall()
    pg.execute(_rendered(styled))
    assert pg.fetchall() == before and before


def _rendered(sql: str) -> str:
    return jinja2.Environment().from_string(sql).render(ref=lambda name: name, source=lambda _, name: name)
