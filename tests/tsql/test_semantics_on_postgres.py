"""Each semantic rewrite, run on the real PostgreSQL: the rows must be what SQL Server returns.

Every case says why SQL Server returns that value, with the Microsoft documentation page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest


# A small table, created for every test that reads one: dbo.people in SQL Server terms.
COLUMN_TYPES = {
    "dbo.people": {
        "id": "int",
        "first_name": "nvarchar(20)",
        "last_name": "nvarchar(20)",
        "score": "int",
        "active": "bit",
        "born": "date",
    }
}
PEOPLE_DDL = (
    "create table people (id integer, first_name varchar(20), last_name varchar(20),"
    " score integer, active boolean, born date)"
)
PEOPLE_ROWS = [
    (1, "Ada", "Lovelace", 1, True, dt.date(2000, 1, 31)),
    (2, "Alan", None, 2, False, dt.date(2000, 2, 29)),
    (3, "Grace", "Hopper", None, True, None),
    (4, "Edsger", "Dijkstra", 2, True, dt.date(1999, 12, 31)),
]
RELATIONS = {"dbo.people": "{{ ref('people') }}", "sales.orders": "{{ source('sales', 'orders') }}"}


@pytest.fixture
def people(pg):
    pg.execute(PEOPLE_DDL)
    pg.executemany("insert into people values (%s, %s, %s, %s, %s, %s)", PEOPLE_ROWS)
    return pg


SCALAR_CASES = [
    # DATEDIFF counts year boundaries crossed: Dec 31 -> Jan 1 crosses one.
    # https://learn.microsoft.com/sql/t-sql/functions/datediff-transact-sql
    ("DATEDIFF(year, '2024-12-31', '2025-01-01')", 1),
    ("DATEDIFF(yy, '2024-01-01', '2024-12-31')", 0),
    # One month boundary between Jan 31 and Feb 1, though only a day passed.
    ("DATEDIFF(month, '2024-01-31', '2024-02-01')", 1),
    # Quarter boundary between March 31 and April 1.
    ("DATEDIFF(quarter, '2024-03-31', '2024-04-01')", 1),
    # Midnight is crossed once, though two minutes passed.
    ("DATEDIFF(day, '2024-01-01 23:59', '2024-01-02 00:01')", 1),
    # Counting backwards gives a negative number.
    ("DATEDIFF(dd, '2024-01-02', '2024-01-01')", -1),
    # Week boundaries are Sundays: Saturday June 1 2024 -> Sunday June 2 crosses one.
    ("DATEDIFF(week, '2024-06-01', '2024-06-02')", 1),
    # Sunday June 2 -> Saturday June 8: same week.
    ("DATEDIFF(wk, '2024-06-02', '2024-06-08')", 0),
    # One hour boundary (11:00) between 10:59 and 11:00.
    ("DATEDIFF(hour, '2024-01-01 10:59', '2024-01-01 11:00')", 1),
    ("DATEDIFF(minute, '2024-01-01 10:00:59', '2024-01-01 10:01:00')", 1),
    ("DATEDIFF(second, '2024-01-01 10:00:00.900', '2024-01-01 10:00:01.100')", 1),
    # DATEADD clamps to the month's last day: Jan 31 + 1 month is Feb 29 (leap year);
    # a string start date is read as datetime.
    # https://learn.microsoft.com/sql/t-sql/functions/dateadd-transact-sql
    ("DATEADD(month, 1, '2024-01-31')", dt.datetime(2024, 2, 29)),
    ("DATEADD(quarter, -1, '2024-05-31')", dt.datetime(2024, 2, 29)),
    ("DATEADD(day, 2, '2024-02-28 10:00')", dt.datetime(2024, 3, 1, 10, 0)),
    # DATEPART returns int; under DATEFIRST 7 (us_english) Sunday is weekday 1.
    # https://learn.microsoft.com/sql/t-sql/functions/datepart-transact-sql
    ("DATEPART(weekday, '2024-06-02')", 1),
    ("DATEPART(dw, '2024-06-08')", 7),
    # Week 1 holds January 1 (a Monday in 2024); Sunday January 7 starts week 2.
    ("DATEPART(week, '2024-01-06')", 1),
    ("DATEPART(week, '2024-01-07')", 2),
    # Seconds are a whole number: 10.9 seconds is second 10.
    ("DATEPART(second, '2024-01-01 10:00:10.900')", 10),
    ("DATEPART(millisecond, '2024-01-01 10:00:10.123')", 123),
    # YEAR/MONTH/DAY return int.
    # https://learn.microsoft.com/sql/t-sql/functions/year-transact-sql
    ("YEAR('2024-06-02')", 2024),
    ("MONTH('2024-06-02')", 6),
    ("DAY('2024-06-02')", 2),
    # LEN excludes trailing spaces, not leading ones.
    # https://learn.microsoft.com/sql/t-sql/functions/len-transact-sql
    ("LEN('ab  ')", 2),
    ("LEN('  ab')", 4),
    # `+` concatenates strings; a NULL operand makes the result NULL (CONCAT_NULL_YIELDS_NULL).
    # https://learn.microsoft.com/sql/t-sql/language-elements/string-concatenation-transact-sql
    ("'a' + 'b'", "ab"),
    ("'a' + NULL", None),
    ("N'é' + N'è'", "éè"),
    # Data type precedence: int outranks varchar, so '5' is converted and added: 8.
    # https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
    ("'5' + 3", 8),
    ("CAST(5 AS varchar(3)) + 'x'", "5x"),
    # ISNULL returns the replacement for NULL.
    # https://learn.microsoft.com/sql/t-sql/functions/isnull-transact-sql
    ("ISNULL(NULL, 'x')", "x"),
    # IIF is a shorthand for CASE.
    # https://learn.microsoft.com/sql/t-sql/functions/logical-functions-iif-transact-sql
    ("IIF(2 > 1, 'yes', 'no')", "yes"),
    # CONVERT styles: 112 is ISO yyyymmdd, 101 US mm/dd/yyyy, 103 British dd/mm/yyyy,
    # 120 ODBC canonical, 121 ODBC with milliseconds; varchar(10) cuts 120 to the date.
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql
    ("CONVERT(varchar, CAST('2024-06-02 13:45:10.123' AS datetime), 112)", "20240602"),
    ("CONVERT(varchar(10), CAST('2024-06-02 13:45:10.123' AS datetime), 101)", "06/02/2024"),
    ("CONVERT(varchar(10), CAST('2024-06-02 13:45:10.123' AS datetime), 103)", "02/06/2024"),
    ("CONVERT(varchar(19), CAST('2024-06-02 13:45:10.123' AS datetime), 120)", "2024-06-02 13:45:10"),
    ("CONVERT(varchar(10), CAST('2024-06-02 13:45:10.123' AS datetime), 120)", "2024-06-02"),
    ("CONVERT(varchar(23), CAST('2024-06-02 13:45:10.123' AS datetime), 121)", "2024-06-02 13:45:10.123"),
    # CONVERT without a style is a cast; CAST to varchar without a length keeps 30 characters.
    ("CONVERT(int, '42')", 42),
    ("CAST(REPLICATE('x', 40) AS varchar)", "x" * 30),
    # CAST to money keeps four decimals.
    # https://learn.microsoft.com/sql/t-sql/data-types/money-and-smallmoney-transact-sql
    ("CAST(1.23456 AS money)", Decimal("1.2346")),
]


@pytest.mark.parametrize(("tsql_expression", "expected"), SCALAR_CASES)
def test_scalar_expression_returns_what_sql_server_returns(pg, tsql_expression, expected, run_tsql):
    assert run_tsql(f"SELECT {tsql_expression}") == [(expected,)]


def test_getdate_is_local_time_without_time_zone(pg, run_tsql):
    # GETDATE returns datetime: local time, no time zone offset.
    # https://learn.microsoft.com/sql/t-sql/functions/getdate-transact-sql
    (value,) = run_tsql("SELECT GETDATE()")[0]
    assert isinstance(value, dt.datetime) and value.tzinfo is None


TABLE_CASES = [
    # Nulls are the lowest values: first in ascending order, last in descending order.
    # https://learn.microsoft.com/sql/t-sql/queries/select-order-by-clause-transact-sql
    ("SELECT id FROM dbo.people ORDER BY score, id", [(3,), (1,), (2,), (4,)]),
    ("SELECT id FROM dbo.people ORDER BY score DESC, id", [(2,), (4,), (1,), (3,)]),
    # TOP n WITH TIES also returns the rows tied with the last one.
    # https://learn.microsoft.com/sql/t-sql/queries/top-transact-sql
    # (tied rows come in any order: the outer query sorts them)
    ("SELECT t.id FROM (SELECT TOP 1 WITH TIES id FROM dbo.people ORDER BY score DESC) AS t ORDER BY t.id",
     [(2,), (4,)]),
    ("SELECT t.id FROM (SELECT TOP 3 WITH TIES id FROM dbo.people ORDER BY score) AS t ORDER BY t.id",
     [(1,), (2,), (3,), (4,)]),
    ("SELECT t.id FROM (SELECT TOP 2 WITH TIES id FROM dbo.people ORDER BY score) AS t ORDER BY t.id",
     [(1,), (3,)]),
    ("SELECT TOP (2) id FROM dbo.people ORDER BY id", [(1,), (2,)]),
    # TOP 100 PERCENT returns every row.
    ("SELECT COUNT(*) FROM (SELECT TOP 100 PERCENT id FROM dbo.people ORDER BY id) AS p", [(4,)]),
    # AVG of int is int: 5 / 3 (1 + 2 + 2, NULL ignored) truncated is 1.
    # https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql
    ("SELECT AVG(score) FROM dbo.people", [(1,)]),
    ("SELECT AVG(-score) FROM dbo.people", [(-1,)]),
    # `+` of string columns concatenates; NULL last name makes the whole NULL.
    # https://learn.microsoft.com/sql/t-sql/language-elements/string-concatenation-transact-sql
    ("SELECT p.first_name + ' ' + p.last_name FROM dbo.people AS p ORDER BY p.id",
     [("Ada Lovelace",), (None,), ("Grace Hopper",), ("Edsger Dijkstra",)]),
    ("SELECT people.first_name + '!' FROM dbo.people WHERE people.id = 1", [("Ada!",)]),
    # A bit column compared with 1 / 0.
    # https://learn.microsoft.com/sql/t-sql/data-types/bit-transact-sql
    ("SELECT id FROM dbo.people WITH (NOLOCK) WHERE active = 1 ORDER BY id", [(1,), (3,), (4,)]),
    ("SELECT id FROM dbo.people WHERE active = 0", [(2,)]),
    ("SELECT CASE active WHEN 1 THEN 'y' ELSE 'n' END FROM dbo.people WHERE id = 2", [("n",)]),
    # DATEADD keeps the type of a date column: Jan 31 + 1 month is Feb 29 2000 (leap year).
    # https://learn.microsoft.com/sql/t-sql/functions/dateadd-transact-sql
    ("SELECT DATEADD(month, 1, born) FROM dbo.people WHERE id = 1", [(dt.date(2000, 2, 29),)]),
    # DATEDIFF between a date column and a literal: day boundaries crossed.
    ("SELECT DATEDIFF(day, born, '2000-03-01') FROM dbo.people WHERE id = 2", [(1,)]),
    ("SELECT DATEDIFF(year, born, '2000-01-01') FROM dbo.people WHERE id = 4", [(1,)]),
    # LEN of a column.
    ("SELECT LEN(first_name + '  ') FROM dbo.people WHERE id = 1", [(3,)]),
]


@pytest.mark.parametrize(("tsql", "expected"), TABLE_CASES)
def test_query_over_a_table_returns_what_sql_server_returns(people, tsql, expected, run_tsql):
    assert run_tsql(tsql) == expected


def test_source_relation_and_cte(pg, run_tsql):
    pg.execute("create table sales__orders (id integer, amount numeric(10,2))")
    pg.execute("insert into sales__orders values (1, 10.50), (2, 4.25)")
    tsql = "WITH big AS (SELECT Id, Amount FROM sales.Orders WHERE Amount > 5) SELECT big.ID FROM big"
    assert run_tsql(tsql) == [(1,)]
