"""datetime ticks, DATEPART abbreviations, the *FROMPARTS builders and the string functions
PostgreSQL lacks, run on the real PostgreSQL: each case the value SQL Server returns, with its page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from migrator_pipeline.tsql.translate import translate_select

CASES = [
    # datetime is rounded to increments of .000, .003 or .007 seconds.
    # https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql#rounding-of-datetime-fractional-second-precision
    ("CAST('2024-01-01 23:59:59.999' AS datetime)", dt.datetime(2024, 1, 2)),
    ("CAST('2024-01-01 10:00:30.002' AS datetime)", dt.datetime(2024, 1, 1, 10, 0, 30, 3000)),
    ("CONVERT(datetime, '2024-01-01 10:00:30.995')", dt.datetime(2024, 1, 1, 10, 0, 30, 997000)),
    ("CONVERT(datetime, '2024-01-01 10:00:30.991')", dt.datetime(2024, 1, 1, 10, 0, 30, 990000)),
    ("DATEADD(millisecond, 2, CAST('2024-01-01 10:00:30' AS datetime))", dt.datetime(2024, 1, 1, 10, 0, 30, 3000)),
    ("DATEADD(millisecond, 1, CAST('2024-01-01 10:00:30' AS datetime))", dt.datetime(2024, 1, 1, 10, 0, 30)),
    # smalldatetime rounds to the minute: 29.998 s down, 29.999 s up.
    # https://learn.microsoft.com/sql/t-sql/data-types/smalldatetime-transact-sql
    ("CAST('2024-01-01 10:00:29.999' AS smalldatetime)", dt.datetime(2024, 1, 1, 10, 1)),
    ("CAST('2024-01-01 10:00:29.998' AS smalldatetime)", dt.datetime(2024, 1, 1, 10, 0)),
    # datetime2(n) rounds to n digits. https://learn.microsoft.com/sql/t-sql/data-types/datetime2-transact-sql
    ("CAST('2024-01-01 10:00:30.5' AS datetime2(0))", dt.datetime(2024, 1, 1, 10, 0, 31)),
    ("CAST('2024-01-01 23:59:59.7' AS datetime2(0))", dt.datetime(2024, 1, 2)),
    # DATEPART: w and dw are weekday (Sunday is 1 under DATEFIRST 7), y is day of year; week 1
    # holds January 1st; iso_week is ISO 8601's; a time alone is that time on 1900-01-01.
    # https://learn.microsoft.com/sql/t-sql/functions/datepart-transact-sql
    ("DATEPART(w, '2024-01-03')", 4),
    ("DATEPART(dw, '2024-01-03')", 4),
    ("DATEPART(y, '2024-02-03')", 34),
    ("DATEPART(week, '2022-01-01')", 1),
    ("DATEPART(week, '2022-01-02')", 2),
    ("DATEPART(week, '2022-12-31')", 53),
    ("DATEPART(iso_week, '2021-01-01')", 53),
    ("DATEPART(iso_week, '2021-01-04')", 1),
    ("DATEPART(hour, '10:20:30')", 10),
    ("DATEPART(minute, '10:20:30')", 20),
    ("DATEPART(year, '10:20:30')", 1900),
    # https://learn.microsoft.com/sql/t-sql/functions/datefromparts-transact-sql (and the others)
    ("DATEFROMPARTS(2024, 2, 29)", dt.date(2024, 2, 29)),
    ("DATEFROMPARTS(2024, NULL, 29)", None),
    ("DATETIMEFROMPARTS(2024, 2, 29, 10, 20, 30, 2)", dt.datetime(2024, 2, 29, 10, 20, 30, 3000)),
    ("DATETIME2FROMPARTS(2024, 2, 29, 10, 20, 30, 5, 1)", dt.datetime(2024, 2, 29, 10, 20, 30, 500000)),
    ("SMALLDATETIMEFROMPARTS(2024, 2, 29, 10, 20)", dt.datetime(2024, 2, 29, 10, 20)),
    ("TIMEFROMPARTS(10, 20, 30, 5, 1)", dt.time(10, 20, 30, 500000)),
    # https://learn.microsoft.com/sql/t-sql/functions/isdate-transact-sql
    ("ISDATE('2024-02-30')", 0),
    ("ISDATE('2024-02-28 10:00')", 1),
    ("ISDATE(NULL)", 0),
    ("ISDATE('1752-12-31')", 0),  # before datetime's range
    # A string of four digits alone is a year: January 1st of it. ISDATE's argument is converted
    # to a string first. https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql
    # (unseparated string format: "a string of only 4 digits is interpreted as the year")
    ("ISDATE('2024')", 1),
    ("ISDATE(' 1999 ')", 1),
    ("ISDATE(2024)", 1),
    ("ISDATE('1700')", 0),  # before datetime's range
    ("ISDATE('24')", 0),
    ("ISDATE('20240230')", 0),
    # datetime as float: days since 1900-01-01, the time a fraction of a day.
    # https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql
    ("CAST(CAST('1900-01-02 12:00' AS datetime) AS float)", 1.5),
    # https://learn.microsoft.com/sql/t-sql/functions/str-transact-sql
    ("STR(123.456, 8, 2)", "  123.46"),
    ("STR(3.7)", "         4"),
    ("STR(123456, 3)", "***"),
    ("STR(NULL)", None),
    # https://learn.microsoft.com/sql/t-sql/functions/quotename-transact-sql
    ("QUOTENAME('a]b')", "[a]]b]"),
    ("QUOTENAME('ab''c', '''')", "'ab''c'"),
    ("QUOTENAME('abc', '\"')", '"abc"'),
    # https://learn.microsoft.com/sql/t-sql/functions/space-transact-sql
    ("SPACE(-1)", None),
    ("SPACE(3) + 'x'", "   x"),
    # CHOOSE converts its index to int (truncating).
    # https://learn.microsoft.com/sql/t-sql/functions/logical-functions-choose-transact-sql
    ("CHOOSE(2.7, 'a', 'b', 'c')", "b"),
    # CASE and COALESCE: the branch type of highest precedence; a blank string converts to 0.
    # https://learn.microsoft.com/sql/t-sql/language-elements/case-transact-sql
    # https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
    ("CASE WHEN 1 = 1 THEN 1 ELSE 'x' END", 1),
    ("CASE WHEN 1 = 0 THEN 1.5 ELSE '2' END", Decimal("2")),
    ("COALESCE('  ', 1)", 0),
    ("CASE WHEN 1 = 1 THEN 1 ELSE 2.5 END", Decimal("1.0")),
    ("IIF(1 = 1, 1, 2.50)", Decimal("1.00")),
    ("COALESCE(NULL, '7', 1)", 7),
    # FOR XML PATH('') concatenates rows in the query's order; text is entitized (& < >) unless read
    # back with TYPE).value('.', ...); a named column is an element; NULLs add nothing; no rows is NULL.
    # https://learn.microsoft.com/sql/relational-databases/xml/use-path-mode-with-for-xml
    ("STUFF((SELECT ',' + v FROM (VALUES ('b&c'), ('a<d'), (NULL)) AS t(v) ORDER BY v FOR XML PATH('')), 1, 1, '')",
     "a&lt;d,b&amp;c"),
    ("(SELECT ',' + v FROM (VALUES ('b&c'), ('a<d')) AS t(v) ORDER BY v FOR XML PATH(''), TYPE).value('.', 'nvarchar(max)')",
     ",a<d,b&c"),
    ("(SELECT v FROM (VALUES ('x'), ('y>')) AS t(v) ORDER BY v FOR XML PATH(''))", "<v>x</v><v>y&gt;</v>"),
    ("(SELECT v AS [text()] FROM (VALUES ('x')) AS t(v) WHERE v = 'q' FOR XML PATH(''))", None),
    # PATINDEX: the first match's start, 0 when none, without regard to case under CI.
    # https://learn.microsoft.com/sql/t-sql/functions/patindex-transact-sql
    ("PATINDEX('%b%', 'aBc')", 2),
    ("PATINDEX('%[0-9]%', 'ab12')", 3),
    ("PATINDEX('b%', 'abc')", 0),
    ("PATINDEX('%z%', 'abc')", 0),
    # An integer into a too short char/varchar is '*'.
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#truncating-and-rounding-results
    ("CAST(12345 AS varchar(3))", "*"),
    ("CAST(123 AS varchar(3))", "123"),
    # money as text: 2 decimals (style 0, and CAST), thousands separators (1), 4 decimals (2).
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#money-and-smallmoney-styles
    ("CAST($1234.567 AS varchar)", "1234.57"),
    ("CONVERT(varchar(20), $1234.5)", "1234.50"),
    ("CONVERT(varchar(20), $1234.5, 1)", "1,234.50"),
    ("CONVERT(varchar(20), $1234.5, 2)", "1234.5000"),
    ("'Total: ' + CAST(CAST(-3.5 AS money) AS varchar(10))", "Total: -3.50"),
    # money constants. https://learn.microsoft.com/sql/t-sql/data-types/constants-transact-sql
    ("$23.12", Decimal("23.1200")),
]


@pytest.mark.parametrize(("tsql", "expected"), CASES)
def test_expression_returns_what_sql_server_returns(pg, tsql, expected):
    pg.execute(translate_select(f"SELECT {tsql}", relations={}))
    assert pg.fetchall() == [(expected,)]


def test_a_string_compared_with_a_datetime_lands_on_a_tick(pg):
    """`OrderDate <= '1997-12-31 23:59:59.999'` compares with 1998-01-01 00:00:00.000, the tick the
    string converts to: an order at midnight on January 1st is in.
    https://learn.microsoft.com/sql/t-sql/data-types/datetime-transact-sql#rounding-of-datetime-fractional-second-precision"""
    pg.execute("create table orders (id int, ordered timestamp)")
    pg.executemany("insert into orders values (%s, %s)",
                   [(1, dt.datetime(1997, 12, 31, 12)), (2, dt.datetime(1998, 1, 1)), (3, dt.datetime(1998, 1, 1, 0, 0, 1))])
    types = {"dbo.orders": {"id": "int", "ordered": "datetime"}}
    tsql = "SELECT id FROM dbo.orders WHERE ordered BETWEEN '1997-12-31' AND '1997-12-31 23:59:59.999' ORDER BY id"
    pg.execute(translate_select(tsql, relations={"dbo.orders": "orders"}, column_types=types))
    assert pg.fetchall() == [(1,), (2,)]
    types = {"dbo.orders": {"id": "int", "ordered": "datetime2"}}  # datetime2 has no ticks
    pg.execute(translate_select(tsql, relations={"dbo.orders": "orders"}, column_types=types))
    assert pg.fetchall() == [(1,)]


def test_query_hints_are_dropped(pg):
    """OPTION (MAXRECURSION n) and plan hints change the plan, not the rows.
    https://learn.microsoft.com/sql/t-sql/queries/hints-transact-sql-query"""
    tsql = ("WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 3) "
            "SELECT SUM(i) FROM n OPTION (MAXRECURSION 25, RECOMPILE)")
    pg.execute(translate_select(tsql, relations={}))
    assert pg.fetchall() == [(6,)]
