"""Query shapes in T-SQL (TOP, APPLY, PIVOT, recursive CTEs, windows, TRY_CAST...), translated
and run on the real PostgreSQL: the rows must be what SQL Server returns. Every case cites
the Microsoft documentation page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from migrator_pipeline.tsql.translate import TranslationError, translate_select

COLUMN_TYPES = {
    "dbo.people": {"id": "int", "name": "varchar(20)", "score": "int", "active": "bit", "manager_id": "int"},
    "dbo.orders": {"id": "int", "person_id": "int", "amount": "decimal(10,2)", "ordered": "date"},
    "dbo.quarters": {"id": "int", "q1": "int", "q2": "int", "q3": "int"},
    "dbo.codes": {"id": "int", "code": "varchar(20)"},
}
RELATIONS = {key: "{{ ref('%s') }}" % key.split(".")[1] for key in COLUMN_TYPES}
SETUP = [
    "create table people (id integer, name varchar(20), score integer, active boolean, manager_id integer)",
    "insert into people values (1, 'Ada', 1, true, null), (2, 'Alan', 2, false, 1),"
    " (3, 'Grace', null, true, 1), (4, 'Edsger', 2, true, 3)",
    "create table orders (id integer, person_id integer, amount numeric(10,2), ordered date)",
    "insert into orders values (1, 1, 10.00, '2023-05-01'), (2, 1, 20.00, '2024-01-10'),"
    " (3, 1, 5.00, '2024-02-10'), (4, 2, 7.50, '2024-03-01'), (5, 4, 1.00, '2023-07-07')",
    "create table quarters (id integer, q1 integer, q2 integer, q3 integer)",
    "insert into quarters values (1, 10, null, 30), (2, null, null, 5)",
    "create table codes (id integer, code varchar(20))",
    "insert into codes values (1, '42'), (2, ' 7 '), (3, 'x'), (4, '1.5'), (5, '99999999999'), (6, null)",
]


@pytest.fixture
def tables(pg):
    for statement in SETUP:
        pg.execute(statement)
    return pg


CASES = [
    # TOP n, with or without parentheses.
    # https://learn.microsoft.com/sql/t-sql/queries/top-transact-sql
    ("SELECT TOP 2 id FROM dbo.people ORDER BY id", [(1,), (2,)]),
    # TOP n PERCENT: "fractional values are rounded up to the next integer value".
    ("SELECT TOP 50 PERCENT id FROM dbo.people ORDER BY id", [(1,), (2,)]),
    ("SELECT TOP 30 PERCENT id FROM dbo.people ORDER BY id", [(1,), (2,)]),
    ("SELECT TOP (1) PERCENT id FROM dbo.people ORDER BY id", [(1,)]),
    ("SELECT TOP 0 PERCENT id FROM dbo.people ORDER BY id", []),
    # The percentage is of the rows the query returns (3 active: 1.5 rounds up to 2).
    ("SELECT TOP 50 PERCENT id FROM dbo.people WHERE active = 1 ORDER BY id", [(1,), (3,)]),
    # ... and WITH TIES adds the rows tied with the last (25% of 4 is 1 row, tied on score 2).
    ("SELECT t.id FROM (SELECT TOP 25 PERCENT WITH TIES id FROM dbo.people ORDER BY score DESC) t ORDER BY t.id",
     [(2,), (4,)]),
    # NULLs are the lowest values: first ascending, last descending; in window ORDER BY too.
    # https://learn.microsoft.com/sql/t-sql/queries/select-order-by-clause-transact-sql
    ("SELECT id, ROW_NUMBER() OVER (ORDER BY score, id) FROM dbo.people ORDER BY id",
     [(1, 2), (2, 3), (3, 1), (4, 4)]),
    ("SELECT id, ROW_NUMBER() OVER (ORDER BY score DESC, id) FROM dbo.people ORDER BY id",
     [(1, 3), (2, 1), (3, 4), (4, 2)]),
    ("SELECT TOP 1 id FROM dbo.people ORDER BY score", [(3,)]),
    # Window functions: RANK leaves gaps after ties; SUM OVER ORDER BY is a running total whose
    # default frame (RANGE) includes the tied rows; LAG/LEAD use the default past the edge.
    # https://learn.microsoft.com/sql/t-sql/functions/rank-transact-sql
    # https://learn.microsoft.com/sql/t-sql/queries/select-over-clause-transact-sql
    # https://learn.microsoft.com/sql/t-sql/functions/lag-transact-sql
    ("SELECT id, RANK() OVER (ORDER BY score DESC) FROM dbo.people ORDER BY id",
     [(1, 3), (2, 1), (3, 4), (4, 1)]),
    ("SELECT id, SUM(score) OVER (ORDER BY score) FROM dbo.people ORDER BY id",
     [(1, 1), (2, 5), (3, None), (4, 5)]),
    ("SELECT id, SUM(amount) OVER (PARTITION BY person_id) FROM dbo.orders ORDER BY id",
     [(1, Decimal("35.00")), (2, Decimal("35.00")), (3, Decimal("35.00")), (4, Decimal("7.50")), (5, Decimal("1.00"))]),
    ("SELECT id, LAG(score, 1, 0) OVER (ORDER BY id), LEAD(score) OVER (ORDER BY id) FROM dbo.people ORDER BY id",
     [(1, 0, 2), (2, 1, None), (3, 2, 2), (4, None, None)]),
    # A recursive CTE: the anchor, then the rows that reference the CTE, until none come.
    # https://learn.microsoft.com/sql/t-sql/queries/with-common-table-expression-transact-sql
    ("WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 4) SELECT SUM(i) FROM n", [(10,)]),
    ("WITH chain AS (SELECT id, name, 0 AS depth FROM dbo.people WHERE manager_id IS NULL"
     " UNION ALL SELECT p.id, p.name, c.depth + 1 FROM dbo.people p JOIN chain c ON p.manager_id = c.id)"
     " SELECT name, depth FROM chain ORDER BY depth, name",
     [("Ada", 0), ("Alan", 1), ("Grace", 1), ("Edsger", 2)]),
    # CROSS APPLY keeps the left rows the right side returns rows for; OUTER APPLY keeps
    # every left row, with NULLs. https://learn.microsoft.com/sql/t-sql/queries/from-transact-sql
    ("SELECT p.id, o.amount FROM dbo.people p"
     " CROSS APPLY (SELECT TOP 1 amount FROM dbo.orders WHERE person_id = p.id ORDER BY amount DESC) o ORDER BY p.id",
     [(1, Decimal("20.00")), (2, Decimal("7.50")), (4, Decimal("1.00"))]),
    ("SELECT p.id, o.n FROM dbo.people p"
     " OUTER APPLY (SELECT COUNT(*) AS n FROM dbo.orders WHERE person_id = p.id AND amount > 5) o ORDER BY p.id",
     [(1, 2), (2, 1), (3, 0), (4, 0)]),
    ("SELECT p.id, o.amount FROM dbo.people p"
     " OUTER APPLY (SELECT TOP 1 amount FROM dbo.orders WHERE person_id = p.id ORDER BY amount) o ORDER BY p.id",
     [(1, Decimal("5.00")), (2, Decimal("7.50")), (3, None), (4, Decimal("1.00"))]),
    ("SELECT q.id, v.x FROM dbo.quarters q CROSS APPLY (VALUES (q.q1), (q.q3)) AS v(x) ORDER BY q.id, v.x",
     [(1, 10), (1, 30), (2, None), (2, 5)]),
    # PIVOT: one column per listed value, aggregated over the other columns' groups; a value
    # with no rows gives NULL for SUM and 0 for COUNT.
    # https://learn.microsoft.com/sql/t-sql/queries/from-using-pivot-and-unpivot
    ("SELECT * FROM (SELECT person_id, YEAR(ordered) AS yr, amount FROM dbo.orders) AS src"
     " PIVOT (SUM(amount) FOR yr IN ([2023], [2024])) AS p ORDER BY person_id",
     [(1, Decimal("10.00"), Decimal("25.00")), (2, None, Decimal("7.50")), (4, Decimal("1.00"), None)]),
    ("SELECT p.person_id, p.[2024] FROM (SELECT person_id, YEAR(ordered) AS yr, id FROM dbo.orders) AS src"
     " PIVOT (COUNT(id) FOR yr IN ([2023], [2024])) AS p ORDER BY p.person_id",
     [(1, 2), (2, 1), (4, 0)]),
    # Over a table: the grouping columns are all the others (here id: one row per person).
    ("SELECT id, [Ada], [Alan] FROM (SELECT id, name, score FROM dbo.people) s"
     " PIVOT (MAX(score) FOR name IN ([Ada], [Alan])) AS p ORDER BY id",
     [(1, 1, None), (2, None, 2), (3, None, None), (4, None, None)]),
    ("SELECT * FROM dbo.quarters PIVOT (SUM(q1) FOR q2 IN ([1])) AS p ORDER BY id",
     [(1, 30, None), (2, 5, None)]),
    # UNPIVOT: a row per listed column, named in the FOR column; NULL values give no row.
    ("SELECT id, quarter, amount FROM dbo.quarters UNPIVOT (amount FOR quarter IN (q1, q2, q3)) AS u"
     " ORDER BY id, quarter",
     [(1, "q1", 10), (1, "q3", 30), (2, "q3", 5)]),
    # IIF and CHOOSE: CHOOSE's index out of range is NULL.
    # https://learn.microsoft.com/sql/t-sql/functions/logical-functions-iif-transact-sql
    # https://learn.microsoft.com/sql/t-sql/functions/logical-functions-choose-transact-sql
    ("SELECT CHOOSE(3, 'Manager', 'Director', 'Developer', 'Tester')", [("Developer",)]),
    ("SELECT id, CHOOSE(id, 'a', 'b', 'c'), IIF(score > 1, 'high', 'low') FROM dbo.people ORDER BY id",
     [(1, "a", "low"), (2, "b", "high"), (3, "c", "low"), (4, None, "high")]),
    # TRY_CAST / TRY_CONVERT: NULL where the conversion fails (text, overflow, impossible dates).
    # https://learn.microsoft.com/sql/t-sql/functions/try-cast-transact-sql
    # https://learn.microsoft.com/sql/t-sql/functions/try-convert-transact-sql
    ("SELECT id, TRY_CAST(code AS int) FROM dbo.codes ORDER BY id",
     [(1, 42), (2, 7), (3, None), (4, None), (5, None), (6, None)]),
    ("SELECT id, TRY_CONVERT(decimal(5, 2), code) FROM dbo.codes ORDER BY id",
     [(1, Decimal("42.00")), (2, Decimal("7.00")), (3, None), (4, Decimal("1.50")), (5, None), (6, None)]),
    ("SELECT TRY_CAST('test' AS float), TRY_CAST('12.345' AS decimal(5, 2)), TRY_CAST('12345.6' AS decimal(5, 2))",
     [(None, Decimal("12.35"), None)]),
    ("SELECT TRY_CAST('2024-02-30' AS date), TRY_CAST('2024-02-29' AS date), TRY_CONVERT(datetime2, '12/31/2010')",
     [(None, dt.date(2024, 2, 29), dt.datetime(2010, 12, 31))]),
    ("SELECT TRY_CONVERT(date, '31/12/2024', 103), TRY_CONVERT(date, '31/13/2024', 103), TRY_CAST(42 AS varchar(5))",
     [(dt.date(2024, 12, 31), None, "42")]),
    # Table hints change locking, not rows.
    # https://learn.microsoft.com/sql/t-sql/queries/hints-transact-sql-table
    ("SELECT COUNT(*) FROM dbo.people WITH (NOLOCK, INDEX(ix_people)) JOIN dbo.orders o WITH (READUNCOMMITTED)"
     " ON o.person_id = people.id", [(5,)]),
]


@pytest.mark.parametrize(("tsql", "expected"), CASES)
def test_query_returns_what_sql_server_returns(tables, tsql, expected, run_tsql):
    assert run_tsql(tsql) == expected


def test_pivot_over_a_source_of_unknown_columns_is_a_translation_error():
    with pytest.raises(TranslationError, match="PIVOT/UNPIVOT needs a source whose columns are known"):
        tsql = "SELECT * FROM (SELECT * FROM dbo.people) s PIVOT (SUM(score) FOR name IN ([a])) p"
        translate_select(tsql, relations=RELATIONS)
