"""Numbers, run on the real PostgreSQL: the rows SQL Server returns, each case with its doc page."""

from __future__ import annotations

from decimal import Decimal

import pytest


RELATIONS = {"dbo.amounts": "amounts"}
COLUMN_TYPES = {
    "dbo.amounts": {"id": "int", "qty": "int", "price": "decimal(10,2)", "fee": "money", "ratio": "float", "paid": "bit"}
}
NUMBERS_DDL = (
    "create table amounts (id integer, qty integer, price numeric(10,2), fee numeric(19,4),"
    " ratio double precision, paid boolean)"
)
NUMBERS_ROWS = [
    (1, -1, Decimal("-2.50"), Decimal("2.5000"), 2.7, True),
    (2, -2, Decimal("2.70"), Decimal("-2.5000"), -2.7, False),
    (3, None, None, None, None, None),
]


@pytest.fixture
def amounts(pg):
    pg.execute(NUMBERS_DDL)
    pg.executemany("insert into amounts values (%s, %s, %s, %s, %s, %s)", NUMBERS_ROWS)
    return pg


SCALAR_CASES = [
    # TRY_CAST/TRY_CONVERT to int or decimal read a sign, digits and a point, with spaces
    # around: no exponent ('1e3' is float syntax), hex, digit separators or NaN: NULL.
    # https://learn.microsoft.com/sql/t-sql/functions/try-convert-transact-sql
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql
    ("TRY_CONVERT(decimal(6,2), '1e3')", None),
    ("TRY_CONVERT(decimal(6,2), ' 12.5 ')", Decimal("12.50")),
    ("TRY_CAST('-.5' AS decimal(6,2))", Decimal("-0.50")),
    ("TRY_CAST('NaN' AS decimal(6,2))", None),
    ("TRY_CAST(' 42 ' AS int)", 42),
    ("TRY_CAST('0x1F' AS int)", None),
    ("TRY_CAST('1_000' AS int)", None),
    ("TRY_CAST('1e3' AS float)", 1000.0),
    # An empty or blank string converts to 0 for int and float, in CAST and TRY_CAST; to decimal it
    # is an error, so TRY_CAST gives NULL. Undocumented: the result every version reproduces
    # (the rule behind COALESCE('  ', 1) = 0 on the data type precedence page).
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql
    ("TRY_CAST('' AS int)", 0),
    ("TRY_CONVERT(bigint, '   ')", 0),
    ("CAST('' AS int)", 0),
    ("CAST(' ' AS float)", 0.0),
    ("TRY_CAST('' AS real)", 0.0),
    ("TRY_CAST('' AS decimal(6,2))", None),
    ("(SELECT SUM(TRY_CAST(v AS int)) FROM (VALUES ('5'), (''), ('x'), (' ')) AS t(v))", 5),
    ("(SELECT COUNT(TRY_CAST(v AS int)) FROM (VALUES ('5'), (''), ('x'), (' ')) AS t(v))", 3),
    # int / int truncates toward zero; % takes the sign of the dividend.
    # https://learn.microsoft.com/sql/t-sql/language-elements/divide-transact-sql
    # https://learn.microsoft.com/sql/t-sql/language-elements/modulo-transact-sql
    ("7 / 2", 3),
    ("-7 / 2", -3),
    ("7 / -2", -3),
    ("-7 % 2", -1),
    ("7 % -2", 1),
    # CAST of decimal or float to int truncates; CAST of money to int rounds.
    # https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql#truncating-and-rounding-results
    ("CAST(2.7 AS int)", 2),
    ("CAST(-2.7 AS int)", -2),
    ("CONVERT(int, 9.99)", 9),
    ("CAST(2.7e0 AS bigint)", 2),
    ("CAST(-2.7e0 AS smallint)", -2),
    ("CAST(CAST(2.5 AS money) AS int)", 3),
    ("CAST(CAST(-2.5 AS money) AS int)", -3),
    # ROUND rounds half away from zero; with a non-zero third argument it truncates.
    # https://learn.microsoft.com/sql/t-sql/functions/round-transact-sql (the page's examples)
    ("ROUND(123.9994, 3)", Decimal("123.9990")),
    ("ROUND(123.9995, 3)", Decimal("124.0000")),
    ("ROUND(123.4545, 2)", Decimal("123.4500")),
    ("ROUND(123.45, -2)", Decimal("100.00")),
    ("ROUND(150.75, 0)", Decimal("151.00")),
    ("ROUND(150.75, 0, 1)", Decimal("150.00")),
    ("ROUND(-2.5, 0)", Decimal("-3.0")),
    ("ROUND(2.5e0, 0)", 3),
    # money keeps four decimals; addition and subtraction are exact.
    # https://learn.microsoft.com/sql/t-sql/data-types/money-and-smallmoney-transact-sql
    ("CAST(1.005 AS money) + CAST(2 AS money)", Decimal("3.0050")),
    ("CAST(1.00005 AS money)", Decimal("1.0001")),
    ("CAST(10 AS money) - 0.0001", Decimal("9.9999")),
]


@pytest.mark.parametrize(("tsql_expression", "expected"), SCALAR_CASES)
def test_number_expression_returns_what_sql_server_returns(pg, tsql_expression, expected, run_tsql):
    assert run_tsql(f"SELECT {tsql_expression}") == [(expected,)]


TABLE_CASES = [
    # AVG of int is int, truncated toward zero: (-1 + -2) / 2 is -1, NULL ignored.
    # https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql
    ("SELECT AVG(qty) FROM amounts", [(-1,)]),
    ("SELECT AVG(qty * 3) FROM amounts", [(-4,)]),
    # Casting columns: decimal and float truncate, money rounds.
    ("SELECT CAST(price AS int), CAST(ratio AS int), CAST(fee AS int) FROM amounts ORDER BY id",
     [(-2, 2, 3), (2, -2, -3), (None, None, None)]),
    # ISNULL converts the replacement to the first argument's type: int, so 2.7 is 2.
    # https://learn.microsoft.com/sql/t-sql/functions/isnull-transact-sql
    ("SELECT ISNULL(qty, 2.7), COALESCE(qty, 2.7) FROM amounts WHERE id = 3", [(2, Decimal("2.7"))]),
    # ROUND over a decimal column.
    ("SELECT ROUND(price, 0), ROUND(price, 0, 1) FROM amounts ORDER BY id",
     [(Decimal("-3"), Decimal("-2")), (Decimal("3"), Decimal("2")), (None, None)]),
    # bit compared with 1 and 0.  https://learn.microsoft.com/sql/t-sql/data-types/bit-transact-sql
    ("SELECT id FROM amounts WHERE paid = 1", [(1,)]),
    ("SELECT id FROM amounts WHERE paid <> 1", [(2,)]),
    # int / int over columns truncates.
    ("SELECT qty / 2, id / 2 FROM amounts ORDER BY id", [(0, 0), (-1, 1), (None, 1)]),
]


@pytest.mark.parametrize(("tsql", "expected"), TABLE_CASES)
def test_query_over_numbers_returns_what_sql_server_returns(amounts, tsql, expected, run_tsql):
    assert run_tsql(tsql) == expected
