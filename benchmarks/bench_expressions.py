"""Benchmark: SQL Server expression semantics, one-expression views, rows checked on PostgreSQL.

    uv run python benchmarks/bench_expressions.py [--family TEXT] [--show] [--json PATH]

Each case is one T-SQL SELECT of one expression (a few read a small fixture table), with the rows
SQL Server returns written from the documentation page cited beside it (learn.microsoft.com), or,
where SQL Server's behaviour is undocumented, from the most widely reproduced result (said so in
the case's `doc`). The cases are data (`CASES`, a list of `ExpressionCase`), grouped by family, so
the translation's own tests can reuse them.

Each case runs twice on the embedded PostgreSQL (a temporary MIGRATOR_HOME), as a view:
- through the project's translation (`migrator_pipeline.tsql.translate.translate_select`, with the
  fixture tables' SQL Server column types), and
- through raw sqlglot (`sqlglot.transpile(sql, read="tsql", write="postgres")`), the baseline.
Per family it counts cases, translated (the translator gave SQL), and rows correct (the view's
rows equal the expected ones EXACTLY: a Decimal by value and scale, a float bit for bit, a real
column as the binary32 PostgreSQL holds, a date is not a datetime, an int is not a numeric), and
prints a markdown table with the total.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import struct
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlglot

D = Decimal
FLOAT4_OID = 700
DOCS = "https://learn.microsoft.com/en-us/sql/t-sql/"


@dataclass(frozen=True)
class FixtureTable:
    """A small table the cases read, with SQL Server column types."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (name, SQL Server type)
    rows: tuple[tuple, ...]


@dataclass(frozen=True)
class ExpressionCase:
    family: str
    name: str
    tsql: str  # one SELECT; its columns are named
    rows: tuple[tuple, ...]  # what SQL Server returns, as Python values of the SQL Server type
    doc: str  # the page (or the reproduced source) the expected rows come from


def case(family: str, name: str, tsql: str, rows: Sequence[tuple] | Any, doc: str) -> ExpressionCase:
    """A case; `rows` may be one scalar (one row, one column)."""
    if not isinstance(rows, (list, tuple)) or (rows and not isinstance(rows[0], tuple)):
        rows = [(rows,)]
    return ExpressionCase(family, name, tsql, tuple(rows), doc if doc.startswith("http") else DOCS + doc)


# ---------------------------------------------------------------- fixture tables

TABLES = (
    # Three Northwind order lines (instnwnd.sql) whose amount differs between real and double math.
    FixtureTable("Lines", (("LineID", "int"), ("Price", "money"), ("Qty", "smallint"), ("Discount", "real")),
                 ((1, D("7.70"), 25, D("0.15")), (2, D("35.10"), 35, D("0.25")), (3, D("263.50"), 15, D("0.05")))),
    FixtureTable("Numbers", (("n", "int"), ("d", "decimal(10,2)"), ("r", "real")),
                 ((1, D("1.50"), D("0.15")), (2, D("2.25"), D("0.15")), (4, None, D("0.15")))),
    # Case and trailing-space variants, an accent, upper and lower case initials.
    FixtureTable("Words", (("Word", "varchar(20)"),),
                 (("apple",), ("Apple",), ("APPLE ",), ("Éclair",), ("eclair",), ("Zebra",), ("banana",))),
    FixtureTable("Tags", (("Tag", "varchar(10)"),), (("b&c",), ("<a>",), ("d",))),
)

# ---------------------------------------------------------------- the cases

_PRECEDENCE = "data-types/data-type-precedence-transact-sql"
_SCALE = "data-types/precision-scale-and-length-transact-sql"
_CAST = "functions/cast-and-convert-transact-sql"
_DATETIME = "data-types/datetime-transact-sql"
_COLLATION = "https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support"
_UNDOCUMENTED_MONEY = ("https://stackoverflow.com/questions/582797 (undocumented; widely reproduced: a money "
                       "quotient keeps 4 decimals, truncated)")

CASES: list[ExpressionCase] = [
    # -- arithmetic and precedence
    case("arithmetic and precedence", "multiplication before addition", "SELECT 2 + 3 * 4 AS v", 14,
         "language-elements/operator-precedence-transact-sql"),
    case("arithmetic and precedence", "left to right", "SELECT 10 - 2 - 3 AS v", 5,
         "language-elements/operator-precedence-transact-sql"),
    case("arithmetic and precedence", "string converted to int", "SELECT '5' + 3 AS v", 8, _PRECEDENCE),
    case("arithmetic and precedence", "bit + int is int", "SELECT CAST(1 AS bit) + 1 AS v", 2, _PRECEDENCE),
    case("arithmetic and precedence", "int + bigint is bigint", "SELECT 2147483647 + CAST(1 AS bigint) AS v",
         2147483648, _PRECEDENCE),
    case("arithmetic and precedence", "^ is exclusive or", "SELECT 5 ^ 3 AS v", 6,
         "language-elements/bitwise-exclusive-or-transact-sql"),
    case("arithmetic and precedence", "& is bitwise and", "SELECT 5 & 3 AS v", 1,
         "language-elements/bitwise-and-transact-sql"),
    case("arithmetic and precedence", "~ is bitwise not", "SELECT ~1 AS v", -2,
         "language-elements/bitwise-not-transact-sql"),
    # -- division and modulo
    case("division and modulo", "int / int truncates", "SELECT 7 / 2 AS v", 3,
         "language-elements/divide-transact-sql"),
    case("division and modulo", "negative int / int truncates toward zero", "SELECT -7 / 2 AS v", -3,
         "language-elements/divide-transact-sql"),
    case("division and modulo", "int division before the decimal", "SELECT 1 / 2 * 2.0 AS v", D("0.0"),
         "language-elements/divide-transact-sql"),
    case("division and modulo", "modulo takes the dividend's sign", "SELECT -7 % 3 AS v", -1,
         "language-elements/modulo-transact-sql"),
    case("division and modulo", "decimal modulo", "SELECT CAST(7.5 AS decimal(3,1)) % 2 AS v", D("1.5"),
         "language-elements/modulo-transact-sql"),
    case("division and modulo", "decimal(5,0) / int: scale max(6, s1 + p2 + 1)",
         "SELECT CAST(7 AS decimal(5,0)) / CAST(2 AS int) AS v", D("3.50000000000"), _SCALE),
    case("division and modulo", "int / decimal(3,1): scale 6", "SELECT CAST(7 AS int) / CAST(2 AS decimal(3,1)) AS v",
         D("3.500000"), _SCALE),
    case("division and modulo", "float / int is float", "SELECT CAST(7 AS float) / 2 AS v", 3.5, _PRECEDENCE),
    # -- money
    case("money", "money / int keeps 4 decimals", "SELECT CAST(10 AS money) / 3 AS v", D("3.3333"),
         "data-types/money-and-smallmoney-transact-sql"),
    case("money", "money / money truncates to 4 decimals",
         "SELECT CAST(100 AS money) / CAST(339 AS money) * CAST(10000 AS money) AS v", D("2949.0000"),
         _UNDOCUMENTED_MONEY),
    case("money", "numeric to money rounds", "SELECT CAST(1.23456 AS money) AS v", D("1.2346"), _CAST),
    case("money", "money literal", "SELECT $23.12 + 1 AS v", D("24.1200"), "data-types/constants-transact-sql"),
    case("money", "money * int is money", "SELECT CAST(12.345 AS money) * 2 AS v", D("24.6900"), _PRECEDENCE),
    case("money", "money * real is real, then CONVERT(money) (Northwind's ExtendedPrice)",
         "SELECT LineID, CONVERT(money, Price * Qty * (1 - Discount) / 100) * 100 AS v FROM Lines",
         [(1, D("163.6300")), (2, D("921.3700")), (3, D("3754.8800"))], _PRECEDENCE),
    case("money", "money * real is real", "SELECT Price * Discount AS v FROM Lines WHERE LineID = 2",
         8.774999618530273, _PRECEDENCE),
    case("money", "real to money", "SELECT CONVERT(money, CAST(0.1 AS real)) AS v", D("0.1000"), _CAST),
    case("money", "SUM(money) is money", "SELECT SUM(Price) AS v FROM Lines", D("306.3000"),
         "functions/sum-transact-sql"),
    case("money", "AVG(money) is money", "SELECT AVG(Price) AS v FROM Lines", D("102.1000"),
         "functions/avg-transact-sql"),
    # -- real
    case("real", "real + real in single precision", "SELECT CAST(0.1 AS real) + CAST(0.2 AS real) AS v",
         0.30000001192092896, "data-types/float-and-real-transact-sql"),
    case("real", "real to float keeps the binary value", "SELECT CAST(CAST(0.1 AS real) AS float) AS v",
         0.10000000149011612, "data-types/float-and-real-transact-sql"),
    case("real", "real to decimal from the binary value", "SELECT CONVERT(decimal(20,12), CAST(0.1 AS real)) AS v",
         D("0.100000001490"), _CAST),
    case("real", "real * money is real", "SELECT CAST(1.1 AS real) * CAST(3 AS money) AS v", 3.3000001907348633,
         _PRECEDENCE),
    case("real", "SUM(real) is float", "SELECT SUM(r) AS v FROM Numbers", 0.45000001788139343,
         "functions/sum-transact-sql"),
    case("real", "AVG(real) is float", "SELECT AVG(r) AS v FROM Numbers", 0.15000000596046448,
         "functions/avg-transact-sql"),
    case("real", "real to int truncates", "SELECT CAST(CAST(3.7 AS real) AS int) AS v", 3, _CAST),
    # -- decimal scale and aggregates
    case("decimal scale", "decimal(10,2) / decimal(10,2): decimal(23,13)",
         "SELECT CAST(1 AS decimal(10,2)) / CAST(3 AS decimal(10,2)) AS v", D("0.3333333333333"), _SCALE),
    case("decimal scale", "decimal(38,2) / decimal(10,2): scale cut to 6",
         "SELECT CAST(1 AS decimal(38,2)) / CAST(3 AS decimal(10,2)) AS v", D("0.333333"), _SCALE),
    case("decimal scale", "decimal * decimal: s1 + s2", "SELECT CAST(1.5 AS decimal(5,1)) * CAST(2.25 AS decimal(5,2)) AS v",
         D("3.375"), _SCALE),
    case("decimal scale", "decimal + decimal: max(s1, s2)",
         "SELECT CAST(1.5 AS decimal(5,1)) + CAST(2.25 AS decimal(5,2)) AS v", D("3.75"), _SCALE),
    case("decimal scale", "decimal * int keeps the scale", "SELECT CAST(2.5 AS decimal(3,1)) * 2 AS v", D("5.0"), _SCALE),
    case("decimal scale", "ROUND keeps the scale", "SELECT ROUND(CAST(2.345 AS decimal(5,3)), 2) AS v", D("2.350"),
         "functions/round-transact-sql"),
    case("decimal scale", "AVG(int) is int", "SELECT AVG(n) AS v FROM Numbers", 2, "functions/avg-transact-sql"),
    case("decimal scale", "AVG(decimal(10,2)) is decimal(38,6)", "SELECT AVG(d) AS v FROM Numbers", D("1.875000"),
         "functions/avg-transact-sql"),
    case("decimal scale", "SUM(decimal(10,2)) is decimal(38,2)", "SELECT SUM(d) AS v FROM Numbers", D("3.75"),
         "functions/sum-transact-sql"),
    # -- POWER
    case("POWER", "int base: int", "SELECT POWER(2, 10) AS v", 1024, "functions/power-transact-sql"),
    case("POWER", "int base, negative power: 0", "SELECT POWER(2, -100.0) AS v", 0, "functions/power-transact-sql"),
    case("POWER", "decimal(2,1) base keeps scale 1", "SELECT POWER(2.0, -100.0) AS v", D("0.0"),
         "functions/power-transact-sql"),
    case("POWER", "decimal(3,2) base keeps scale 2", "SELECT POWER(2.00, -100.0) AS v", D("0.00"),
         "functions/power-transact-sql"),
    case("POWER", "float base: float", "SELECT POWER(CAST(2.0 AS float), -100.0) AS v", 7.888609052210118e-31,
         "functions/power-transact-sql"),
    case("POWER", "money base: money", "SELECT POWER(CAST(2.5 AS money), 2) AS v", D("6.2500"),
         "functions/power-transact-sql"),
    # -- CAST/CONVERT lengths and styles
    case("CAST/CONVERT", "varchar without length is 30 in CAST",
         "SELECT CAST('abcdefghijklmnopqrstuvwxyz0123456789' AS varchar) AS v", "abcdefghijklmnopqrstuvwxyz0123", _CAST),
    case("CAST/CONVERT", "varchar without length is 30 in CONVERT", "SELECT LEN(CONVERT(varchar, REPLICATE('x', 40))) AS v",
         30, _CAST),
    case("CAST/CONVERT", "char(n) pads", "SELECT CAST('abc' AS char(5)) + 'x' AS v", "abc  x", _CAST),
    case("CAST/CONVERT", "int into a too short varchar is *", "SELECT CAST(12345 AS varchar(3)) AS v", "*", _CAST),
    case("CAST/CONVERT", "decimal to int truncates", "SELECT CAST(-3.99 AS int) AS v", -3, _CAST),
    case("CAST/CONVERT", "money to int rounds", "SELECT CAST(CAST(2.5 AS money) AS int) AS v", 3, _CAST),
    case("CAST/CONVERT", "numeric to numeric rounds", "SELECT CONVERT(decimal(5,2), 1.005) AS v", D("1.01"), _CAST),
    case("CAST/CONVERT", "style 101", "SELECT CONVERT(varchar(10), CAST('2024-03-05' AS date), 101) AS v",
         "03/05/2024", _CAST),
    case("CAST/CONVERT", "style 112", "SELECT CONVERT(varchar(8), CAST('2024-03-05 14:07:09' AS datetime), 112) AS v",
         "20240305", _CAST),
    case("CAST/CONVERT", "style 121",
         "SELECT CONVERT(varchar(23), CAST('2024-03-05 14:07:09.5' AS datetime), 121) AS v",
         "2024-03-05 14:07:09.500", _CAST),
    case("CAST/CONVERT", "money style 1", "SELECT CONVERT(varchar(30), CAST(1234.5 AS money), 1) AS v", "1,234.50",
         _CAST),
    case("CAST/CONVERT", "spaces around an int string", "SELECT CAST('  42 ' AS int) AS v", 42, _CAST),
    case("CAST/CONVERT", "TRY_CAST of an empty string to int", "SELECT TRY_CAST('' AS int) AS v", 0,
         _CAST + " (undocumented; widely reproduced: an empty string converts to int 0)"),
    # -- string functions
    case("string functions", "LEN ignores trailing spaces", "SELECT LEN('abc   ') AS v", 3, "functions/len-transact-sql"),
    case("string functions", "DATALENGTH counts them", "SELECT DATALENGTH('abc   ') AS v", 6,
         "functions/datalength-transact-sql"),
    case("string functions", "DATALENGTH of nvarchar is bytes", "SELECT DATALENGTH(N'ab') AS v", 4,
         "functions/datalength-transact-sql"),
    case("string functions", "SUBSTRING from 0", "SELECT SUBSTRING('abcdef', 0, 3) AS v", "ab",
         "functions/substring-transact-sql"),
    case("string functions", "SUBSTRING from -1", "SELECT SUBSTRING('abcdef', -1, 3) AS v", "a",
         "functions/substring-transact-sql"),
    case("string functions", "CHARINDEX under the CI collation", "SELECT CHARINDEX('B', 'abc') AS v", 2,
         "functions/charindex-transact-sql"),
    case("string functions", "CHARINDEX from a start", "SELECT CHARINDEX('b', 'abcb', 3) AS v", 4,
         "functions/charindex-transact-sql"),
    case("string functions", "REPLACE under the CI collation", "SELECT REPLACE('aBcB', 'b', 'x') AS v", "axcx",
         "functions/replace-transact-sql"),
    case("string functions", "PATINDEX under the CI collation", "SELECT PATINDEX('%b%', 'aBc') AS v", 2,
         "functions/patindex-transact-sql"),
    case("string functions", "STUFF", "SELECT STUFF('abcdef', 2, 3, 'XY') AS v", "aXYef",
         "functions/stuff-transact-sql"),
    case("string functions", "REPLICATE of a negative count is NULL", "SELECT REPLICATE('ab', -1) AS v", None,
         "functions/replicate-transact-sql"),
    case("string functions", "+ with NULL is NULL", "SELECT 'a' + NULL AS v", None,
         "language-elements/string-concatenation-transact-sql"),
    case("string functions", "CONCAT skips NULL and converts", "SELECT CONCAT('a', NULL, 1) AS v", "a1",
         "functions/concat-transact-sql"),
    case("string functions", "LTRIM keeps trailing spaces", "SELECT LTRIM('  a ') + '|' AS v", "a |",
         "functions/ltrim-transact-sql"),
    # -- STR, QUOTENAME, SPACE
    case("STR, QUOTENAME, SPACE", "STR rounds and right-justifies", "SELECT STR(123.45, 6, 1) AS v", " 123.5",
         "functions/str-transact-sql"),
    case("STR, QUOTENAME, SPACE", "STR too long is **", "SELECT STR(123.45, 2, 2) AS v", "**",
         "functions/str-transact-sql"),
    case("STR, QUOTENAME, SPACE", "STR defaults: length 10, no decimals", "SELECT STR(123.45) AS v", "       123",
         "functions/str-transact-sql"),
    case("STR, QUOTENAME, SPACE", "STR of FLOOR", "SELECT STR(FLOOR(123.45), 8, 3) AS v", " 123.000",
         "functions/str-transact-sql"),
    case("STR, QUOTENAME, SPACE", "QUOTENAME doubles ]", "SELECT QUOTENAME('abc[]def') AS v", "[abc[]]def]",
         "functions/quotename-transact-sql"),
    case("STR, QUOTENAME, SPACE", "QUOTENAME with a quote", "SELECT QUOTENAME('ab''c', '''') AS v", "'ab''c'",
         "functions/quotename-transact-sql"),
    case("STR, QUOTENAME, SPACE", "SPACE of a negative number is NULL", "SELECT SPACE(-1) AS v", None,
         "functions/space-transact-sql"),
    case("STR, QUOTENAME, SPACE", "SPACE", "SELECT SPACE(3) + 'x' AS v", "   x", "functions/space-transact-sql"),
    # -- collation comparisons (SQL_Latin1_General_CP1_CI_AS: case-insensitive, accent-sensitive)
    case("collation comparisons", "= ignores case and trailing spaces",
         "SELECT COUNT(*) AS v FROM Words WHERE Word = 'APPLE'", 3, _COLLATION),
    case("collation comparisons", "= is accent-sensitive", "SELECT COUNT(*) AS v FROM Words WHERE Word = 'ECLAIR'", 1,
         _COLLATION),
    case("collation comparisons", "> in dictionary order", "SELECT COUNT(*) AS v FROM Words WHERE Word > 'Y'", 1,
         _COLLATION),
    case("collation comparisons", "LIKE ignores case", "SELECT COUNT(*) AS v FROM Words WHERE Word LIKE 'APP%'", 3,
         "language-elements/like-transact-sql"),
    case("collation comparisons", "NULLIF compares under the collation", "SELECT NULLIF('abc', 'ABC ') AS v", None,
         "language-elements/nullif-transact-sql"),
    case("collation comparisons", "COUNT(DISTINCT)", "SELECT COUNT(DISTINCT Word) AS v FROM Words", 5, _COLLATION),
    case("collation comparisons", "GROUP BY", "SELECT COUNT(*) AS v FROM (SELECT Word FROM Words GROUP BY Word) AS g", 5,
         _COLLATION),
    case("collation comparisons", "MAX of strings", "SELECT MAX(Word) AS v FROM Words", "Zebra",
         "functions/max-transact-sql"),
    case("collation comparisons", "MIN of strings", "SELECT MIN(Word) AS v FROM Words WHERE Word NOT LIKE 'a%'",
         "banana", "functions/min-transact-sql"),
    case("collation comparisons", "join on string keys",
         "SELECT COUNT(*) AS v FROM Words AS a JOIN Words AS b ON a.Word = b.Word", 13, _COLLATION),
    case("collation comparisons", "IN (subquery)", "SELECT COUNT(*) AS v FROM Words WHERE Word IN (SELECT 'APPLE')", 3,
         "language-elements/in-transact-sql"),
    case("collation comparisons", "NOT IN (subquery)",
         "SELECT COUNT(*) AS v FROM Words WHERE Word NOT IN (SELECT 'APPLE')", 4, "language-elements/in-transact-sql"),
    # -- set operations
    case("set operations", "UNION removes duplicates under the collation",
         "SELECT COUNT(*) AS v FROM (SELECT Word FROM Words UNION SELECT 'ZEBRA') AS u", 5,
         "language-elements/set-operators-union-transact-sql"),
    case("set operations", "EXCEPT under the collation",
         "SELECT COUNT(*) AS v FROM (SELECT Word FROM Words EXCEPT SELECT 'APPLE') AS e", 4,
         "language-elements/set-operators-except-and-intersect-transact-sql"),
    case("set operations", "INTERSECT under the collation",
         "SELECT COUNT(*) AS v FROM (SELECT Word FROM Words INTERSECT SELECT 'BANANA ') AS i", 1,
         "language-elements/set-operators-except-and-intersect-transact-sql"),
    # -- ORDER BY and TOP
    case("ORDER BY and TOP", "accented capital sorts with E, not after z",
         "SELECT TOP 1 Word AS v FROM Words WHERE Word IN ('Éclair', 'Zebra') ORDER BY Word DESC", "Zebra", _COLLATION),
    case("ORDER BY and TOP", "dictionary order, case-insensitive",
         "SELECT TOP 1 Word AS v FROM Words WHERE Word IN ('banana', 'Zebra') ORDER BY Word", "banana", _COLLATION),
    case("ORDER BY and TOP", "TOP 2 in dictionary order",
         "SELECT TOP 2 Word AS v FROM Words WHERE Word IN ('Éclair', 'Zebra', 'banana') ORDER BY Word",
         [("banana",), ("Éclair",)], _COLLATION),
    case("ORDER BY and TOP", "NULLs sort first", "SELECT TOP 1 d AS v FROM Numbers ORDER BY d", None,
         "queries/select-order-by-clause-transact-sql"),
    # -- DATEPART and DATENAME (us_english: DATEFIRST 7)
    case("DATEPART and DATENAME", "weekday of a Sunday", "SELECT DATEPART(weekday, '2024-01-07') AS v", 1,
         "functions/datepart-transact-sql"),
    case("DATEPART and DATENAME", "dw", "SELECT DATEPART(dw, '2024-01-07') AS v", 1, "functions/datepart-transact-sql"),
    case("DATEPART and DATENAME", "w is weekday", "SELECT DATEPART(w, '2024-01-10') AS v", 4,
         "functions/datepart-transact-sql"),
    case("DATEPART and DATENAME", "y is dayofyear", "SELECT DATEPART(y, '2024-03-01') AS v", 61,
         "functions/datepart-transact-sql"),
    case("DATEPART and DATENAME", "week: 31 December 2023", "SELECT DATEPART(week, '2023-12-31') AS v", 53,
         "functions/datepart-transact-sql"),
    case("DATEPART and DATENAME", "week: Sunday starts week 2", "SELECT DATEPART(week, '2024-01-07') AS v", 2,
         "functions/datepart-transact-sql"),
    case("DATEPART and DATENAME", "iso_week of 1 January 2021", "SELECT DATEPART(iso_week, '2021-01-01') AS v", 53,
         "functions/datepart-transact-sql"),
    case("DATEPART and DATENAME", "hour of a time-only string", "SELECT DATEPART(hour, '12:34:56') AS v", 12,
         "functions/datepart-transact-sql"),
    case("DATEPART and DATENAME", "quarter", "SELECT DATEPART(quarter, '2024-05-01') AS v", 2,
         "functions/datepart-transact-sql"),
    case("DATEPART and DATENAME", "DATENAME month", "SELECT DATENAME(month, '2024-02-01') AS v", "February",
         "functions/datename-transact-sql"),
    case("DATEPART and DATENAME", "DATENAME weekday", "SELECT DATENAME(weekday, '2024-01-07') AS v", "Sunday",
         "functions/datename-transact-sql"),
    case("DATEPART and DATENAME", "DATENAME y is dayofyear", "SELECT DATENAME(y, '2024-03-01') AS v", "61",
         "functions/datename-transact-sql"),
    # -- DATEDIFF and DATEADD
    case("DATEDIFF and DATEADD", "year boundary one second apart",
         "SELECT DATEDIFF(year, '2023-12-31 23:59:59', '2024-01-01 00:00:00') AS v", 1, "functions/datediff-transact-sql"),
    case("DATEDIFF and DATEADD", "month boundary", "SELECT DATEDIFF(month, '2024-01-31', '2024-02-01') AS v", 1,
         "functions/datediff-transact-sql"),
    case("DATEDIFF and DATEADD", "day boundary", "SELECT DATEDIFF(day, '2024-01-01 23:59', '2024-01-02 00:01') AS v", 1,
         "functions/datediff-transact-sql"),
    case("DATEDIFF and DATEADD", "week boundary is Sunday", "SELECT DATEDIFF(week, '2024-01-06', '2024-01-07') AS v", 1,
         "functions/datediff-transact-sql"),
    case("DATEDIFF and DATEADD", "hour boundary", "SELECT DATEDIFF(hour, '2024-01-01 10:59', '2024-01-01 11:00') AS v",
         1, "functions/datediff-transact-sql"),
    case("DATEDIFF and DATEADD", "negative over 29 February", "SELECT DATEDIFF(day, '2024-03-01', '2024-02-28') AS v",
         -2, "functions/datediff-transact-sql"),
    case("DATEDIFF and DATEADD", "month end clamps", "SELECT DATEADD(month, 1, '2024-01-31') AS v",
         dt.datetime(2024, 2, 29), "functions/dateadd-transact-sql"),
    case("DATEDIFF and DATEADD", "year from 29 February", "SELECT DATEADD(year, 1, '2024-02-29') AS v",
         dt.datetime(2025, 2, 28), "functions/dateadd-transact-sql"),
    case("DATEDIFF and DATEADD", "date stays date", "SELECT DATEADD(day, 1, CAST('2024-02-28' AS date)) AS v",
         dt.date(2024, 2, 29), "functions/dateadd-transact-sql"),
    case("DATEDIFF and DATEADD", "fractional number truncates",
         "SELECT DATEADD(day, 1.9, CAST('2024-01-01' AS date)) AS v", dt.date(2024, 1, 2),
         "functions/dateadd-transact-sql"),
    case("DATEDIFF and DATEADD", "EOMONTH", "SELECT EOMONTH('2024-02-10') AS v", dt.date(2024, 2, 29),
         "functions/eomonth-transact-sql"),
    case("DATEDIFF and DATEADD", "EOMONTH with months", "SELECT EOMONTH('2024-01-31', 1) AS v", dt.date(2024, 2, 29),
         "functions/eomonth-transact-sql"),
    # -- datetime ticks and arithmetic (1/300 s)
    case("datetime ticks", ".999 is the next day", "SELECT CAST('2024-01-01 23:59:59.999' AS datetime) AS v",
         dt.datetime(2024, 1, 2), _DATETIME),
    case("datetime ticks", ".996 rounds to .997", "SELECT CAST('2024-01-01 23:59:59.996' AS datetime) AS v",
         dt.datetime(2024, 1, 1, 23, 59, 59, 997000), _DATETIME),
    case("datetime ticks", ".992 rounds to .993", "SELECT CAST('2024-01-01 23:59:59.992' AS datetime) AS v",
         dt.datetime(2024, 1, 1, 23, 59, 59, 993000), _DATETIME),
    case("datetime ticks", ".991 rounds to .990", "SELECT CAST('2024-01-01 23:59:59.991' AS datetime) AS v",
         dt.datetime(2024, 1, 1, 23, 59, 59, 990000), _DATETIME),
    case("datetime ticks", "DATEADD 2 ms is one tick",
         "SELECT DATEADD(millisecond, 2, CAST('2024-01-01 00:00:00.000' AS datetime)) AS v",
         dt.datetime(2024, 1, 1, 0, 0, 0, 3000), _DATETIME),
    case("datetime ticks", "DATEADD -3 ms is the last tick of the day before",
         "SELECT DATEADD(millisecond, -3, CAST('2024-01-02' AS datetime)) AS v",
         dt.datetime(2024, 1, 1, 23, 59, 59, 997000), _DATETIME),
    case("datetime ticks", "datetime as float is days since 1900",
         "SELECT CAST(CAST('2024-01-01 12:00' AS datetime) AS float) AS v", 45290.5, _CAST),
    case("datetime ticks", "datetime - datetime is a datetime",
         "SELECT CAST('2024-01-02' AS datetime) - CAST('2024-01-01 12:00' AS datetime) AS v",
         dt.datetime(1900, 1, 1, 12), "language-elements/subtract-transact-sql"),
    case("datetime ticks", "datetime + int adds days", "SELECT CAST('2024-01-01' AS datetime) + 1 AS v",
         dt.datetime(2024, 1, 2), "language-elements/add-transact-sql"),
    case("datetime ticks", "datetime + 0.5 adds half a day", "SELECT CAST('2024-01-01' AS datetime) + 0.5 AS v",
         dt.datetime(2024, 1, 1, 12), "language-elements/add-transact-sql"),
    case("datetime ticks", "datetime2(0) rounds", "SELECT CAST('2024-01-01 10:00:00.5' AS datetime2(0)) AS v",
         dt.datetime(2024, 1, 1, 10, 0, 1), "data-types/datetime2-transact-sql"),
    case("datetime ticks", "smalldatetime rounds 29.999 s up",
         "SELECT CAST('2024-01-01 10:00:29.999' AS smalldatetime) AS v", dt.datetime(2024, 1, 1, 10, 1),
         "data-types/smalldatetime-transact-sql"),
    # -- *FROMPARTS
    case("FROMPARTS", "DATEFROMPARTS", "SELECT DATEFROMPARTS(2024, 2, 29) AS v", dt.date(2024, 2, 29),
         "functions/datefromparts-transact-sql"),
    case("FROMPARTS", "DATEFROMPARTS with NULL", "SELECT DATEFROMPARTS(2024, NULL, 1) AS v", None,
         "functions/datefromparts-transact-sql"),
    case("FROMPARTS", "DATETIMEFROMPARTS", "SELECT DATETIMEFROMPARTS(2024, 1, 1, 23, 59, 59, 997) AS v",
         dt.datetime(2024, 1, 1, 23, 59, 59, 997000), "functions/datetimefromparts-transact-sql"),
    case("FROMPARTS", "DATETIME2FROMPARTS", "SELECT DATETIME2FROMPARTS(2024, 1, 1, 1, 2, 3, 5, 1) AS v",
         dt.datetime(2024, 1, 1, 1, 2, 3, 500000), "functions/datetime2fromparts-transact-sql"),
    case("FROMPARTS", "SMALLDATETIMEFROMPARTS", "SELECT SMALLDATETIMEFROMPARTS(2024, 1, 1, 10, 30) AS v",
         dt.datetime(2024, 1, 1, 10, 30), "functions/smalldatetimefromparts-transact-sql"),
    case("FROMPARTS", "TIMEFROMPARTS", "SELECT TIMEFROMPARTS(23, 59, 59, 5, 1) AS v", dt.time(23, 59, 59, 500000),
         "functions/timefromparts-transact-sql"),
    # -- ISDATE
    case("ISDATE", "a leap day", "SELECT ISDATE('2024-02-29') AS v", 1, "functions/isdate-transact-sql"),
    case("ISDATE", "no leap day", "SELECT ISDATE('2023-02-29') AS v", 0, "functions/isdate-transact-sql"),
    case("ISDATE", "not a date", "SELECT ISDATE('abc') AS v", 0, "functions/isdate-transact-sql"),
    case("ISDATE", "before datetime's range", "SELECT ISDATE('1752-12-31') AS v", 0, "functions/isdate-transact-sql"),
    case("ISDATE", "NULL", "SELECT ISDATE(NULL) AS v", 0, "functions/isdate-transact-sql"),
    case("ISDATE", "a year alone", "SELECT ISDATE('2024') AS v", 1,
         "data-types/datetime-transact-sql#supported-string-literal-formats-for-datetime"),
    # -- CHOOSE, COALESCE, ISNULL, CASE typing
    case("CHOOSE and NULL/CASE typing", "CHOOSE", "SELECT CHOOSE(2, 'a', 'b', 'c') AS v", "b",
         "functions/logical-functions-choose-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "CHOOSE with a fractional index", "SELECT CHOOSE(2.9, 'a', 'b', 'c') AS v", "b",
         "functions/logical-functions-choose-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "CHOOSE out of range", "SELECT CHOOSE(4, 'a', 'b', 'c') AS v", None,
         "functions/logical-functions-choose-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "ISNULL takes the first type's length",
         "SELECT ISNULL(CAST(NULL AS varchar(3)), 'abcdef') AS v", "abc", "functions/isnull-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "ISNULL converts to the first type",
         "SELECT ISNULL(CAST(NULL AS int), 2.7) AS v", 2, "functions/isnull-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "COALESCE takes the highest precedence",
         "SELECT COALESCE(CAST(NULL AS varchar(3)), 'abcdef') AS v", "abcdef", "language-elements/coalesce-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "COALESCE('  ', 1): the string converts to 0", "SELECT COALESCE('  ', 1) AS v",
         0, "language-elements/coalesce-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "COALESCE(int, decimal) is decimal",
         "SELECT COALESCE(CAST(NULL AS int), 2.7) AS v", D("2.7"), "language-elements/coalesce-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "CASE int and decimal is decimal",
         "SELECT CASE WHEN 1 = 1 THEN 1 ELSE 2.5 END AS v", D("1.0"), "language-elements/case-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "CASE string and int is int",
         "SELECT CASE WHEN 1 = 1 THEN '5' ELSE 5 END AS v", 5, "language-elements/case-transact-sql"),
    case("CHOOSE and NULL/CASE typing", "IIF int and decimal is decimal", "SELECT IIF(1 > 0, 1, 2.25) AS v",
         D("1.00"), "functions/logical-functions-iif-transact-sql"),
    # -- typing through derived tables, CTEs, UNION branches and nested joins: the rules above
    # must hold for a column that is not read straight from a table
    case("typing through queries", "AVG(int) through a derived table",
         "SELECT AVG(n) AS v FROM (SELECT n FROM Numbers) AS s", 2, "functions/avg-transact-sql"),
    case("typing through queries", "AVG(int) through a CTE", "WITH c AS (SELECT n FROM Numbers) SELECT AVG(n) AS v FROM c",
         2, "functions/avg-transact-sql"),
    case("typing through queries", "AVG(int) over UNION ALL branches",
         "SELECT AVG(n) AS v FROM (SELECT n FROM Numbers UNION ALL SELECT 5) AS u", 3, "functions/avg-transact-sql"),
    case("typing through queries", "collation through a derived table",
         "SELECT COUNT(*) AS v FROM (SELECT Word FROM Words) AS t WHERE t.Word = 'APPLE'", 3, _COLLATION),
    case("typing through queries", "string + through a CTE",
         "WITH c AS (SELECT Word FROM Words WHERE Word = 'banana') SELECT Word + '!' AS v FROM c", "banana!",
         "language-elements/string-concatenation-transact-sql"),
    case("typing through queries", "money * real through a derived table",
         "SELECT LineID, CONVERT(money, p * q * (1 - d) / 100) * 100 AS v "
         "FROM (SELECT LineID, Price AS p, Qty AS q, Discount AS d FROM Lines) AS t",
         [(1, D("163.6300")), (2, D("921.3700")), (3, D("3754.8800"))], _PRECEDENCE),
    case("typing through queries", "money * real inside a nested join (Northwind's Invoices)",
         "SELECT LineID, CONVERT(money, Price * Qty * (1 - Discount) / 100) * 100 AS v "
         "FROM Words RIGHT JOIN (Lines INNER JOIN Numbers ON Lines.LineID = Numbers.n) ON 1 = 0",
         [(1, D("163.6300")), (2, D("921.3700"))], _PRECEDENCE),
    # -- FOR XML PATH
    case("FOR XML PATH", "string aggregation, entitized",
         "SELECT STUFF((SELECT ',' + Tag FROM Tags ORDER BY Tag FOR XML PATH('')), 1, 1, '') AS v",
         "&lt;a&gt;,b&amp;c,d", "https://learn.microsoft.com/en-us/sql/relational-databases/xml/use-path-mode-with-for-xml"),
    case("FOR XML PATH", "TYPE).value('.') keeps the characters",
         "SELECT STUFF((SELECT ',' + Tag FROM Tags ORDER BY Tag FOR XML PATH(''), TYPE).value('.', 'varchar(max)'), "
         "1, 1, '') AS v", "<a>,b&c,d",
         "https://learn.microsoft.com/en-us/sql/relational-databases/xml/use-path-mode-with-for-xml"),
    case("FOR XML PATH", "one row", "SELECT (SELECT Tag + ';' FROM Tags WHERE Tag = 'd' FOR XML PATH('')) AS v", "d;",
         "https://learn.microsoft.com/en-us/sql/relational-databases/xml/use-path-mode-with-for-xml"),
]

FAMILIES = list(dict.fromkeys(c.family for c in CASES))


# ---------------------------------------------------------------- comparing rows exactly


def binary32(value: float) -> float:
    """The float4 PostgreSQL holds: its text is the shortest that reads back to it."""
    return struct.unpack("<f", struct.pack("<f", value))[0]


def same_value(expected: Any, actual: Any) -> bool:
    """Equal in value AND in kind: a Decimal with the same scale, a float bit for bit, a date that
    is not a datetime, an int that is not a Decimal. Nothing is rounded."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, Decimal):
        return isinstance(actual, Decimal) and actual == expected and actual.as_tuple().exponent == expected.as_tuple().exponent
    if isinstance(expected, float):
        return isinstance(actual, float) and actual == expected
    if isinstance(expected, int):
        return isinstance(actual, int) and not isinstance(actual, bool) and actual == expected
    return type(actual) is type(expected) and actual == expected


def same_rows(expected: Sequence[tuple], actual: Sequence[tuple]) -> bool:
    """As multisets: a view has no order."""
    remaining = list(actual)
    if len(remaining) != len(expected):
        return False
    for row in expected:
        match = next((i for i, got in enumerate(remaining)
                      if len(got) == len(row) and all(same_value(e, a) for e, a in zip(row, got, strict=True))), None)
        if match is None:
            return False
        remaining.pop(match)
    return True


# ---------------------------------------------------------------- running


@dataclass
class Outcome:
    case: ExpressionCase
    translator: str  # "project" or "sqlglot"
    translated: bool = False
    correct: bool = False
    sql: str | None = None
    rows: list[tuple] = field(default_factory=list)
    error: str | None = None


def project_sql(tsql: str, schema: str) -> str:
    from migrator_pipeline.tsql.identifiers import fold_identifier
    from migrator_pipeline.tsql.translate import translate_select

    relations = {f"dbo.{t.name}".lower(): f"{schema}.{fold_identifier(t.name)}" for t in TABLES}
    column_types = {f"dbo.{t.name}".lower(): {fold_identifier(c): kind for c, kind in t.columns} for t in TABLES}
    return translate_select(tsql, relations=relations, column_types=column_types)


def sqlglot_sql(tsql: str) -> str:
    return sqlglot.transpile(tsql, read="tsql", write="postgres")[0]


def _create_tables(cursor, schema: str) -> None:
    from psycopg2 import sql

    from migrator_pipeline.tsql.identifiers import fold_identifier
    from migrator_pipeline.tsql.types import postgres_type

    for table in TABLES:
        name = sql.Identifier(schema, fold_identifier(table.name))
        columns = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(fold_identifier(c)), sql.SQL(postgres_type(t)))
                                     for c, t in table.columns)
        cursor.execute(sql.SQL("create table {} ({})").format(name, columns))
        for row in table.rows:
            cursor.execute(sql.SQL("insert into {} values ({})").format(
                name, sql.SQL(", ").join(sql.Placeholder() * len(row))), row)


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:160] if lines else type(error).__name__


def run_case(cursor, schema: str, number: int, item: ExpressionCase, translator: str) -> Outcome:
    outcome = Outcome(item, translator)
    try:
        outcome.sql = project_sql(item.tsql, schema) if translator == "project" else sqlglot_sql(item.tsql)
    except Exception as error:  # noqa: BLE001 - every failure is a data point
        outcome.error = "translation: " + _first_line(error)
        return outcome
    outcome.translated = True
    view = f'"{schema}"."{translator}_{number}"'
    try:
        cursor.execute(f"create view {view} as {outcome.sql}")
        cursor.execute(f"select * from {view}")
        oids = [d.type_code for d in cursor.description]
        outcome.rows = [tuple(binary32(v) if oid == FLOAT4_OID and v is not None else v
                              for v, oid in zip(row, oids, strict=True)) for row in cursor.fetchall()]
    except Exception as error:  # noqa: BLE001
        outcome.error = "postgres: " + _first_line(error)
        return outcome
    outcome.correct = same_rows(item.rows, outcome.rows)
    return outcome


def run(cases: Sequence[ExpressionCase], url: str) -> list[Outcome]:
    import psycopg2

    schema = f"bench_expressions_{os.getpid()}"
    outcomes = []
    with contextlib.closing(psycopg2.connect(url)) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'create schema "{schema}"')
            try:
                cursor.execute(f"set search_path to \"{schema}\", public; set statement_timeout = '10s'")
                _create_tables(cursor, schema)
                for number, item in enumerate(cases):
                    for translator in ("project", "sqlglot"):
                        outcomes.append(run_case(cursor, schema, number, item, translator))
            finally:
                cursor.execute(f'drop schema "{schema}" cascade')
    return outcomes


# ---------------------------------------------------------------- report


def tally(outcomes: Sequence[Outcome]) -> dict[str, dict[str, int]]:
    """family -> cases, translated, correct, sqlglot_translated, sqlglot_correct (and a total)."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in outcomes:
        for family in (outcome.case.family, "total"):
            row = counts.setdefault(family, dict.fromkeys(
                ("cases", "translated", "correct", "sqlglot_translated", "sqlglot_correct"), 0))
            prefix = "" if outcome.translator == "project" else "sqlglot_"
            row["cases"] += outcome.translator == "project"
            row[prefix + "translated"] += outcome.translated
            row[prefix + "correct"] += outcome.correct
    return counts


def markdown(outcomes: Sequence[Outcome]) -> str:
    counts = tally(outcomes)
    lines = ["| family | cases | translated | rows correct | raw sqlglot translated | raw sqlglot rows correct |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for family in [*FAMILIES, "total"]:
        if family not in counts:
            continue
        c = counts[family]
        name = f"**{family}**" if family == "total" else family
        lines.append(f"| {name} | {c['cases']} | {c['translated']} | {c['correct']} | {c['sqlglot_translated']} "
                     f"| {c['sqlglot_correct']} |")
    return "\n".join(lines)


def wrong(outcomes: Sequence[Outcome]) -> str:
    lines = []
    for outcome in outcomes:
        if outcome.translator == "project" and not outcome.correct:
            got = outcome.error or f"rows {outcome.rows!r}"
            lines.append(f"- {outcome.case.family} / {outcome.case.name}: expected {list(outcome.case.rows)!r}, {got}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", help="only the families whose name contains this text")
    parser.add_argument("--show", action="store_true", help="list every case the translation gets wrong")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every outcome here")
    args = parser.parse_args(argv)
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its warnings repeat what the table counts
    cases = [c for c in CASES if not args.family or args.family.lower() in c.family.lower()]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["MIGRATOR_HOME"] = str(Path(scratch) / "home")
        os.environ.pop("MIGRATOR_WAREHOUSE_URL", None)
        from migrator_pipeline.settings import warehouse_url
        from migrator_pipeline.warehouse.embedded import stop_embedded_server

        try:
            outcomes = run(cases, warehouse_url())
        finally:
            stop_embedded_server()
    print(f"\n## Expression semantics benchmark (sqlglot {sqlglot.__version__})\n")
    print(markdown(outcomes))
    if args.show:
        print("\nWrong through the project's translation:\n" + wrong(outcomes))
    if args.json:
        args.json.write_text(json.dumps([{
            "family": o.case.family, "name": o.case.name, "translator": o.translator, "tsql": o.case.tsql,
            "translated": o.translated, "correct": o.correct, "sql": o.sql, "error": o.error,
            "rows": repr(o.rows), "expected": repr(list(o.case.rows)), "doc": o.case.doc,
        } for o in outcomes], indent=1), encoding="utf-8")
    print(f"\n{len(cases)} cases, wall time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
