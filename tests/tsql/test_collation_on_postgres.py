"""Collation beyond `=`, run on the real PostgreSQL: the rows SQL Server returns under its default
SQL_Latin1_General_CP1_CI_AS (case-insensitive, accent-sensitive, trailing spaces ignored).
https://learn.microsoft.com/sql/relational-databases/collations/collation-and-unicode-support"""

from __future__ import annotations

import pytest

from migrator_pipeline.tsql.collation_rewrites import _ACCENTED, _PLAIN

COLUMN_TYPES = {"dbo.left_names": {"id": "int", "name": "varchar(10)"}, "dbo.right_names": {"id": "int", "name": "varchar(10)"}}
RELATIONS = {"dbo.left_names": "left_names", "dbo.right_names": "right_names"}
LEFT = [(1, "abc"), (2, "ABC "), (3, "Émile"), (4, "emile"), (5, "Zoe"), (6, "eve"), (7, None)]
RIGHT = [(1, "ABC"), (2, "zoe"), (3, None)]


@pytest.fixture
def names(pg):
    for table, rows in (("left_names", LEFT), ("right_names", RIGHT)):
        pg.execute(f"create table {table} (id int, name varchar(10))")
        pg.executemany(f"insert into {table} values (%s, %s)", rows)
    return pg


def test_accent_map_pairs_each_letter():
    assert len(_ACCENTED) == len(_PLAIN)


def test_order_by_is_dictionary_order(names, run_tsql):
    """É sorts right after E (accent-sensitive, case-insensitive), not after z: C order would put
    'Zoe' before 'abc' and 'Émile' last. NULL sorts first.
    https://learn.microsoft.com/sql/t-sql/queries/select-order-by-clause-transact-sql"""
    rows = run_tsql("SELECT id FROM dbo.left_names ORDER BY name, id")
    assert [r[0] for r in rows] == [7, 1, 2, 4, 3, 6, 5]


def test_top_follows_dictionary_order(names, run_tsql):
    assert run_tsql("SELECT TOP 2 name FROM dbo.left_names WHERE name IS NOT NULL ORDER BY name DESC") == [("Zoe",), ("eve",)]


def test_union_removes_duplicates_equal_under_the_collation(names, run_tsql):
    """'abc', 'ABC ' and 'ABC' are one value; 'Zoe' and 'zoe' too; NULLs are one row.
    https://learn.microsoft.com/sql/t-sql/language-elements/set-operators-union-transact-sql"""
    rows = run_tsql("SELECT name FROM dbo.left_names UNION SELECT name FROM dbo.right_names ORDER BY name")
    assert [r[0].lower().rstrip() if r[0] else None for r in rows] == [None, "abc", "emile", "émile", "eve", "zoe"]


def test_except_and_intersect_compare_under_the_collation(names, run_tsql):
    """https://learn.microsoft.com/sql/t-sql/language-elements/set-operators-except-and-intersect-transact-sql"""
    kept = run_tsql("SELECT name FROM dbo.left_names EXCEPT SELECT name FROM dbo.right_names")
    assert {r[0] for r in kept} == {"Émile", "emile", "eve"}
    common = run_tsql("SELECT name FROM dbo.left_names INTERSECT SELECT name FROM dbo.right_names")
    assert sorted((r[0] or "").lower().rstrip() for r in common) == ["", "abc", "zoe"]


def test_in_subquery_compares_under_the_collation(names, run_tsql):
    """https://learn.microsoft.com/sql/t-sql/language-elements/in-transact-sql"""
    rows = run_tsql("SELECT id FROM dbo.left_names WHERE name IN (SELECT name FROM dbo.right_names) ORDER BY id")
    assert rows == [(1,), (2,), (5,)]


def test_nullif_compares_under_the_collation(names, run_tsql):
    """https://learn.microsoft.com/sql/t-sql/language-elements/nullif-transact-sql"""
    rows = run_tsql("SELECT id, NULLIF(name, 'abc') FROM dbo.left_names WHERE id IN (1, 2, 3) ORDER BY id")
    assert rows == [(1, None), (2, None), (3, "Émile")]


def test_count_distinct_and_string_min_max_follow_the_collation(names, run_tsql):
    """COUNT(DISTINCT) counts values equal under the collation once; MIN/MAX of strings are the
    first and last in dictionary order ('Émile' after 'emile', before 'eve').
    https://learn.microsoft.com/sql/t-sql/functions/min-transact-sql"""
    assert run_tsql("SELECT COUNT(DISTINCT name) FROM dbo.left_names") == [(5,)]
    assert run_tsql("SELECT MIN(name), MAX(name) FROM dbo.left_names WHERE name LIKE '%e%'") == [("emile", "Zoe")]
    assert run_tsql("SELECT MAX(name) FROM dbo.left_names WHERE name < 'f'") == [("eve",)]


def test_join_on_string_keys_compares_under_the_collation(names, run_tsql):
    rows = run_tsql("SELECT l.id, r.id FROM dbo.left_names l JOIN dbo.right_names r ON l.name = r.name ORDER BY l.id")
    assert rows == [(1, 1), (2, 1), (5, 2)]


def test_ordering_comparisons_follow_dictionary_order(names, run_tsql):
    """`<` and `>` between strings compare as ORDER BY sorts: 'Émile' > 'F' is false ('É' sorts
    right after 'E'), 'Zoe' > 'émile' is true.
    https://learn.microsoft.com/sql/relational-databases/collations/collation-and-unicode-support"""
    assert run_tsql("SELECT id FROM dbo.left_names WHERE name > 'F' ORDER BY id") == [(5,)]
    assert run_tsql("SELECT id FROM dbo.left_names WHERE name < 'EMILF' AND name >= 'emile' ORDER BY id") == [(3,), (4,)]
