"""The typing pass (tsql/sqlserver_types.py): the SQL Server type of each expression, and the rows
PostgreSQL returns once it computes in those types, each case with its documented rule."""

from __future__ import annotations

import struct
from decimal import Decimal

import pytest

from migrator_pipeline.tsql.sqlserver_types import SqlType, Typing, parse_type
from migrator_pipeline.tsql.syntax import parse_tsql
from migrator_pipeline.tsql.translate import translate_select, with_query_types

TYPES = {
    "dbo.items": {"id": "int", "qty": "smallint", "price": "money", "discount": "real", "rate": "float",
                  "amount": "decimal(10,2)", "name": "nvarchar(20)", "code": "varchar(5)", "big": "bigint"}
}  # fmt: skip


def type_of(expression: str) -> str | None:
    select = parse_tsql(f"SELECT {expression} AS v FROM dbo.items")[0]
    sql_type = Typing(TYPES).type_of(select.expressions[0].unalias())
    return sql_type.sql() if sql_type is not None else None


TYPE_CASES = [
    # Data type precedence: the operand of lower precedence is converted to the higher.
    # https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
    ("price * discount", "real"),  # real outranks money
    ("price * qty", "money"),
    ("qty + 1", "int"),  # int outranks smallint
    ("discount * rate", "float"),
    ("'5' + 3", "int"),
    ("name + code", "nvarchar(25)"),
    # Decimal results: https://learn.microsoft.com/sql/t-sql/data-types/precision-scale-and-length-transact-sql
    ("amount + amount", "decimal(11,2)"),
    ("amount * amount", "decimal(21,4)"),
    ("amount / amount", "decimal(23,13)"),  # p1 - s1 + s2 + max(6, s1 + p2 + 1), s = max(6, s1 + p2 + 1)
    ("id / 2.0", "decimal(17,6)"),
    ("amount % id", "decimal(10,2)"),
    ("1.0 / 3", "decimal(7,6)"),  # an integer constant counts its own digits (3 is decimal(1,0))
    ("CAST(1 AS decimal(38,10)) * CAST(1 AS decimal(38,10))", "decimal(38,6)"),  # capped, scale 6
    ("CAST(1 AS decimal(38,2)) / CAST(1 AS decimal(10,2))", "decimal(38,6)"),
    # Aggregates: https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql
    ("AVG(qty)", "int"), ("SUM(id)", "int"), ("SUM(big)", "bigint"), ("AVG(amount)", "decimal(38,6)"),
    ("SUM(amount)", "decimal(38,2)"), ("SUM(price)", "money"), ("AVG(discount)", "float"),
    # CASE and COALESCE take the branch type of highest precedence; ISNULL the first's.
    # https://learn.microsoft.com/sql/t-sql/language-elements/case-transact-sql
    # https://learn.microsoft.com/sql/t-sql/functions/isnull-transact-sql
    ("CASE WHEN id = 1 THEN id ELSE 2.5 END", "decimal(11,1)"),
    ("COALESCE(code, 1)", "int"),
    ("ISNULL(code, 1)", "varchar(5)"),
    # POWER returns the type of its first argument: https://learn.microsoft.com/sql/t-sql/functions/power-transact-sql
    ("POWER(id, 2)", "int"), ("POWER(2.0, 2)", "decimal(38,1)"), ("POWER(rate, 2)", "float"),
    # CAST without a length is 30 characters: https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql
    ("CAST(id AS varchar)", "varchar(30)"), ("CONVERT(nvarchar, id)", "nvarchar(30)"),
    ("CAST(id AS float)", "float"), ("CAST(id AS real)", "real"), ("CAST(id AS float(24))", "real"),
    # Constants: https://learn.microsoft.com/sql/t-sql/data-types/constants-transact-sql
    ("1.50", "decimal(3,2)"), ("3000000000", "decimal(10,0)"), ("1e3", "float"), ("N'ab'", "nvarchar(2)"),
    ("GETDATE() - 1", "datetime"),
]


@pytest.mark.parametrize(("expression", "expected"), TYPE_CASES)
def test_expression_has_sql_servers_type(expression, expected):
    assert type_of(expression) == expected


def test_catalog_type_text_is_read():
    assert parse_type("[decimal](10, 2)") == SqlType("decimal", 10, 2)
    assert parse_type("nvarchar(max)").sql() == "nvarchar(max)"
    assert parse_type("float(10)").sql() == "real"
    assert parse_type("no_such_type") is None


# ---------------------------------------------------------------- rows on PostgreSQL


def float32(value: float) -> float:
    """The nearest binary32 value, as SQL Server's real holds it."""
    return struct.unpack("<f", struct.pack("<f", value))[0]


def money(value: float) -> Decimal:
    """A binary value converted to money: its exact digits rounded to 4 places."""
    return Decimal(value).quantize(Decimal("0.0001"))


ROWS_DDL = "create table items (id int, price numeric(19,4), qty smallint, discount real)"
RELATIONS = {"dbo.items": "items"}
COLUMN_TYPES = {"dbo.items": {"id": "int", "price": "money", "qty": "smallint", "discount": "real"}}


@pytest.fixture
def items(pg):
    pg.execute(ROWS_DDL)
    pg.executemany("insert into items values (%s, %s, %s, %s)",
                   [(1, Decimal("13.9000"), 21, 0.15), (2, Decimal("14.0000"), 12, 0.0)])
    return pg


def test_money_times_real_is_computed_in_real_then_converted_to_money(items, run_tsql):
    """Northwind's Order Details Extended: price * qty is money, times (1 - discount) is real
    (single precision, each step rounded to binary32), divided by 100 in real, converted to money,
    times 100. 13.90 * 21 * (1 - 0.15) is 248.115 in decimal, 248.12 in SQL Server.
    https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
    https://learn.microsoft.com/sql/t-sql/data-types/float-and-real-transact-sql"""
    rows = run_tsql("SELECT id, CONVERT(money, (price * qty * (1 - discount) / 100)) * 100 AS extended "
                    "FROM dbo.items ORDER BY id")
    step = float32(float32(float32(13.9 * 21) * float32(1 - float32(0.15))) / 100)
    assert rows == [(1, money(step) * 100), (2, Decimal("168.0000"))]
    assert rows[0][1] == Decimal("248.1200")


SCALAR_CASES = [
    # money: a quotient keeps 4 decimals, truncated ($1 / $3 * 3 is 0.9999); a product of two
    # money values is rounded to 4 decimals. Not in the documentation; the widely reproduced results.
    # https://learn.microsoft.com/sql/t-sql/data-types/money-and-smallmoney-transact-sql
    ("CAST(1 AS money) / 3 * 3", Decimal("0.9999")),
    ("CAST(1.00 AS money) / CAST(18.4172 AS money)", Decimal("0.0542")),
    ("CAST(18.4172 AS money) * CAST(1.1562 AS money)", Decimal("21.2940")),
    ("$23.12", Decimal("23.1200")),
    ("-$5 + 1", Decimal("-4.0000")),
    # decimal division: scale max(6, s1 + p2 + 1), rounded.
    # https://learn.microsoft.com/sql/t-sql/data-types/precision-scale-and-length-transact-sql
    ("7 / 2.0", Decimal("3.500000")),
    ("2.0 / 3", Decimal("0.666667")),
    ("CAST(1 AS decimal(38,10)) / CAST(3 AS decimal(38,10))", Decimal("0.333333")),
    ("CAST(1.25 AS decimal(38,10)) * CAST(1.5 AS decimal(38,10))", Decimal("1.875000")),
    # real arithmetic is single precision: 0.1 (binary32) * 3, then converted through float8.
    # https://learn.microsoft.com/sql/t-sql/data-types/float-and-real-transact-sql
    ("CAST(CAST(0.1 AS real) * 3 AS decimal(20,12))",
     Decimal(float32(float32(0.1) * 3)).quantize(Decimal("1e-12"))),
    # float/real to decimal keeps the binary value's digits (PostgreSQL's float4 -> numeric keeps 6).
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#truncating-and-rounding-results
    ("CAST(CAST(0.1 AS real) AS decimal(12,10))", Decimal("0.1000000015")),
    ("CAST(CAST(0.15 AS real) AS money)", Decimal("0.1500")),
    # POWER returns its first argument's type: int truncates, decimal(38, s) rounds to s.
    # https://learn.microsoft.com/sql/t-sql/functions/power-transact-sql
    ("POWER(2, 0.5)", 1),
    ("POWER(2.0, 0.5)", Decimal("1.4")),
    ("POWER(2, 10)", 1024),
    # AVG of decimal(p, s) is decimal(38, max(s, 6)); ROUND keeps its argument's scale.
    # https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql
    # https://learn.microsoft.com/sql/t-sql/functions/round-transact-sql
    ("(SELECT AVG(v) FROM (VALUES (CAST(1.50 AS decimal(10,2))), (CAST(2.25 AS decimal(10,2)))) AS t(v))",
     Decimal("1.875000")),
    ("ROUND(2.345, 2)", Decimal("2.350")),
    # bit + int is int (int outranks bit). https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
    ("CAST(1 AS bit) + 1", 2),
    # CAST and CONVERT to a character type without a length: 30 characters.
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql
    ("LEN(CAST(REPLICATE('a', 40) AS varchar))", 30),
    ("LEN(CONVERT(nvarchar, REPLICATE('a', 40)))", 30),
    # datetime - datetime is a datetime: the difference counted from 1900-01-01.
    # https://learn.microsoft.com/sql/t-sql/language-elements/subtract-transact-sql
    ("CAST(CAST('2024-01-03 12:00' AS datetime) - CAST('2024-01-01' AS datetime) AS float)", 2.5),
]


@pytest.mark.parametrize(("tsql", "expected"), SCALAR_CASES)
def test_number_expression_returns_what_sql_server_returns(pg, tsql, expected):
    pg.execute(translate_select(f"SELECT {tsql}", relations={}))
    assert pg.fetchall() == [(expected,)]


# ---------------------------------------------------------------- views over views


def test_a_view_over_a_view_keeps_every_type_aware_rewrite(pg, run_tsql):
    """Views are typed in dependency order: AVG of an int column read through a view is an int
    (10, not 10.3333), `+` of its strings concatenates, `=` ignores case.
    https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql"""
    pg.execute("create table scores (id int, score int, name varchar(10))")
    pg.executemany("insert into scores values (%s, %s, %s)", [(1, 10, "Abc"), (2, 10, "abc"), (3, 11, "x")])
    views = [("dbo.v_scores", "SELECT id, score, name FROM dbo.scores"),
             ("dbo.v_named", "SELECT name + '!' AS shout, score FROM dbo.v_scores")]
    types = with_query_types({"dbo.scores": {"id": "int", "score": "int", "name": "varchar(10)"}}, views)
    assert types["dbo.v_named"] == {"shout": "varchar(11)", "score": "int"}
    relations = {"dbo.v_scores": "(select id, score, name from scores)", "dbo.v_named": "(select name || '!' as shout, score from scores)"}

    def run_over_views(tsql: str) -> list[tuple]:
        return run_tsql(tsql, relations=relations, column_types=types)

    assert run_over_views("SELECT AVG(score) FROM dbo.v_scores") == [(10,)]
    assert run_over_views("SELECT COUNT(*) FROM dbo.v_named WHERE shout = 'ABC!'") == [(2,)]
    assert run_over_views("SELECT MIN(shout + '?') FROM dbo.v_named WHERE score = 11") == [("x!?",)]


def test_ctes_and_derived_tables_keep_their_types(pg, run_tsql):
    """CTEs (and the #temp tables the planner inlines as CTEs) and derived tables are typed from
    their projections: AVG over their int column is an int, a UNION column by both branches.
    https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql"""
    pg.execute("create table scores (id int, score int)")
    pg.executemany("insert into scores values (%s, %s)", [(1, 10), (2, 10), (3, 11)])
    types = {"dbo.scores": {"id": "int", "score": "int"}}

    def run_query(tsql: str) -> list[tuple]:
        return run_tsql(tsql, relations={"dbo.scores": "scores"}, column_types=types)

    assert run_query("WITH t AS (SELECT score FROM dbo.scores) SELECT AVG(score) FROM t") == [(10,)]
    assert run_query("WITH t (s) AS (SELECT score FROM dbo.scores) SELECT AVG(s) FROM t") == [(10,)]
    assert run_query("SELECT AVG(d.score) FROM (SELECT score FROM dbo.scores) AS d") == [(10,)]
    assert run_query("SELECT AVG(u.score) FROM (SELECT score FROM dbo.scores UNION ALL SELECT 11) AS u") == [(10,)]
