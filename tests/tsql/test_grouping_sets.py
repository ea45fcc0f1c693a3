"""GROUP BY ... WITH ROLLUP / WITH CUBE (pubs' reptq1 and reptq2) and group keys written once with
brackets and once without (AdventureWorksDW's vTimeSeries), run on PostgreSQL; the expected rows
are SQL Server's for the same data."""

from __future__ import annotations

from collections import Counter

from migrator_pipeline.tsql.translate import translate_select

TYPES = {"dbo.t": {"a": "varchar(5)", "b": "varchar(5)", "n": "int"}}


def _rows(pg, tsql: str) -> Counter:
    pg.execute("create temporary table if not exists t as select * from (values ('x', 'p', 1), ('x', 'q', 2), "
               "('y', 'p', 4)) as v(a, b, n)")
    pg.execute(translate_select(tsql, relations={"dbo.t": "t"}, column_types=TYPES))
    return Counter(pg.fetchall())


def test_with_rollup_adds_the_subtotals_and_the_total(pg):
    assert _rows(pg, "SELECT a, b, SUM(n) AS s, GROUPING(b) AS g FROM dbo.t GROUP BY a, b WITH ROLLUP") == Counter([
        ("x", "p", 1, 0), ("x", "q", 2, 0), ("y", "p", 4, 0), ("x", None, 3, 1), ("y", None, 4, 1), (None, None, 7, 1)])


def test_with_cube_adds_every_combination(pg):
    assert _rows(pg, "SELECT a, b, SUM(n) AS s FROM dbo.t GROUP BY a, b WITH CUBE") == Counter([
        ("x", "p", 1), ("x", "q", 2), ("y", "p", 4), ("x", None, 3), ("y", None, 4), (None, None, 7),
        (None, "p", 5), (None, "q", 2)])


def test_a_key_with_brackets_in_select_is_the_key_without_them_in_group_by(pg):
    assert _rows(pg, "SELECT Left([a], 1) + [b] AS k, COUNT(*) AS c FROM dbo.t GROUP BY LEFT(a, 1) + B") == Counter([
        ("xp", 1), ("xq", 1), ("yp", 1)])
