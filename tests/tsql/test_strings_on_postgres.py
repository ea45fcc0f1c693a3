"""Strings and the default collation, run on the real PostgreSQL: the rows SQL Server returns.

SQL Server's default collation (SQL_Latin1_General_CP1_CI_AS) is case-insensitive and `=`
ignores trailing spaces; each case cites the Microsoft page that says what SQL Server returns.
"""

from __future__ import annotations

import re

import pytest
import sqlglot

from migrator_pipeline.tsql.collation_rewrites import (
    is_case_sensitive,
    like_pattern_as_regex,
)
from migrator_pipeline.tsql.rewrite_order import apply_rewrites
from migrator_pipeline.tsql.rewrites import RewriteContext
from migrator_pipeline.tsql.translate import translate_select

RELATIONS = {"dbo.words": "words"}
COLUMN_TYPES = {
    "dbo.words": {
        "id": "int",
        "name": "varchar(10)",
        "code": "nchar(5)",
        "short": "varchar(3)",
        "note": "nvarchar(20)",
        "amount": "int",
    }
}
WORDS_DDL = "create table words (id integer, name varchar(10), code char(5), short varchar(3), note varchar(20), amount integer)"
WORDS_ROWS = [
    (1, "Abc", "ab", "xyz", "Ünïcode", 10),
    (2, "abc  ", "AB", None, "x_y%z", None),
    (3, "ABD", None, "a_%", None, 7),
    (4, None, "cd", "q", "back\\slash", 5),
]


@pytest.fixture
def words(pg):
    pg.execute(WORDS_DDL)
    pg.executemany("insert into words values (%s, %s, %s, %s, %s, %s)", WORDS_ROWS)
    return pg


SCALAR_CASES = [
    # `+` concatenates strings, NULL makes it NULL; a number's type wins over varchar.
    # https://learn.microsoft.com/sql/t-sql/language-elements/string-concatenation-transact-sql
    # https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
    ("'a' + NULL", None),
    ("'5' + 3", 8),
    ("3 + '5'", 8),
    # CONCAT treats NULL as an empty string and converts numbers.
    # https://learn.microsoft.com/sql/t-sql/functions/concat-transact-sql
    ("CONCAT(NULL, NULL)", ""),
    # A literal's trailing spaces are data: N' ' is one space, outside any comparison.
    # https://learn.microsoft.com/sql/t-sql/data-types/nchar-and-nvarchar-transact-sql
    ("'Anna' + N' ' + 'Smith'", "Anna Smith"),
    ("N'Ada' + N' > ' + N'Ben'", "Ada > Ben"),
    ("'a' + ' '", "a "),
    # int outranks varchar: a varchar operand of `+` against an int is converted to int.
    # https://learn.microsoft.com/sql/t-sql/data-types/data-type-precedence-transact-sql
    ("CAST(7 AS varchar(10)) + 0", 7),
    ("CAST(7 AS varchar(10)) + '0'", "70"),
    # REPLACE matches the pattern by the input's collation: case-insensitively by default;
    # the pattern and the replacement are plain text (no regular expression, no back-reference).
    # https://learn.microsoft.com/sql/t-sql/functions/replace-transact-sql
    ("REPLACE('Tea and TEA', 'tea', 'x')", "x and x"),
    ("REPLACE('a.b.c', '.', '\\1')", "a\\1b\\1c"),
    ("REPLACE('a+b', '+', '&')", "a&b"),
    ("REPLACE('abc', 'B', NULL)", None),
    ("CONCAT('a', 1, NULL, 'b')", "a1b"),
    # Comparisons ignore case and trailing spaces.
    # https://learn.microsoft.com/sql/t-sql/statements/set-ansi-padding-transact-sql
    ("CASE WHEN 'abc' = 'ABC   ' THEN 1 ELSE 0 END", 1),
    ("CASE WHEN N'Straße' = N'STRASSE' THEN 1 ELSE 0 END", 0),  # accent/letter-sensitive: ß is not ss
    ("CASE WHEN 'é' = 'E' THEN 1 ELSE 0 END", 0),  # accent-sensitive (AS)
    # LEN ignores trailing spaces; DATALENGTH counts bytes, nvarchar two per character.
    # https://learn.microsoft.com/sql/t-sql/functions/len-transact-sql
    # https://learn.microsoft.com/sql/t-sql/functions/datalength-transact-sql
    ("LEN('ab  ')", 2),
    ("DATALENGTH('ab  ')", 4),
    ("DATALENGTH(N'ab')", 4),
    ("DATALENGTH(CAST('é' AS varchar(5)))", 1),
    # CHARINDEX: 1-based, without regard to case, 0 when absent, start below 1 means 1.
    # https://learn.microsoft.com/sql/t-sql/functions/charindex-transact-sql
    ("CHARINDEX('B', 'abc')", 2),
    ("CHARINDEX('z', 'abc')", 0),
    ("CHARINDEX('C', 'abcabc', 4)", 6),
    ("CHARINDEX('a', 'abc', -5)", 1),
    ("CHARINDEX('a', NULL)", None),
    # STUFF: the documentation's example; NULL for a start outside the string; a NULL
    # replacement deletes; a long length deletes to the end.
    # https://learn.microsoft.com/sql/t-sql/functions/stuff-transact-sql
    ("STUFF('abcdef', 2, 3, 'ijklmn')", "aijklmnef"),
    ("STUFF('abc', 0, 1, 'x')", None),
    ("STUFF('abc', 4, 1, 'x')", None),
    ("STUFF('abc', 2, 10, 'x')", "ax"),
    ("STUFF('abc', 2, 1, NULL)", "ac"),
    ("STUFF('abc', 2, 0, 'x')", "axbc"),
    ("STUFF('abc', 3, 1, 'xy')", "abxy"),
    ("STUFF('abc', 2, -1, 'x')", None),
    ("STUFF(NULL, 1, 1, 'x')", None),
    ("STUFF('abc', NULL, 1, 'x')", None),
    ("STUFF('abc', 2, NULL, 'x')", None),
    # an operator in the start or the length: 6 & 3 is 2, 5 & 3 is 1
    ("STUFF('abcdef', 6 & 3, 5 & 3, 'x')", "axcdef"),
    # REPLICATE: NULL for a negative count.
    # https://learn.microsoft.com/sql/t-sql/functions/replicate-transact-sql
    ("REPLICATE('ab', 3)", "ababab"),
    ("REPLICATE('ab', -1)", None),
    # LEFT, RIGHT, SUBSTRING (a start of 0 returns one character less), LTRIM, RTRIM.
    # https://learn.microsoft.com/sql/t-sql/functions/substring-transact-sql
    ("LEFT('abcdef', 2)", "ab"),
    ("RIGHT('abcdef', 2)", "ef"),
    ("SUBSTRING('abcdef', 0, 3)", "ab"),
    ("SUBSTRING('abcdef', 2, 3)", "bcd"),
    ("LTRIM('  a ')", "a "),
    ("RTRIM(' a  ')", " a"),
]


@pytest.mark.parametrize(("tsql_expression", "expected"), SCALAR_CASES)
def test_string_expression_returns_what_sql_server_returns(pg, tsql_expression, expected, run_tsql):
    assert run_tsql(f"SELECT {tsql_expression}") == [(expected,)]


def _sql_server_stuff(text: str | None, start: int | None, length: int | None, insert: str | None) -> str | None:
    """STUFF as Microsoft documents it: NULL for a NULL argument but the inserted string, a
    start before 1 or past the end, or a negative length; a length past the end deletes to it.
    https://learn.microsoft.com/sql/t-sql/functions/stuff-transact-sql"""
    if text is None or start is None or length is None or start < 1 or start > len(text) or length < 0:
        return None
    return text[:start - 1] + (insert or "") + text[start - 1 + length:]


def test_stuff_returns_what_sql_server_returns_on_every_edge(pg, run_tsql):
    """Every start (before, at and past the ends), length (negative, 0, past the end) and NULL:
    the translation (PostgreSQL's definition of overlay, spelled out) returns SQL Server's
    value, and the same value as overlay itself wherever overlay accepts the start."""
    pg.execute("create table grid (id serial, s varchar(10), st integer, n integer, r varchar(5))")
    grid = [(s, st, n, r) for s in ("abc", "", None, "ab  ") for st in (-1, 0, 1, 2, 3, 4, None)
            for n in (-1, 0, 1, 2, 10, None) for r in ("x", "", None)]
    pg.executemany("insert into grid (s, st, n, r) values (%s, %s, %s, %s)", grid)
    rows = run_tsql("SELECT STUFF(s, st, n, r) FROM dbo.grid ORDER BY id", relations={"dbo.grid": "grid"},
                    column_types={"dbo.grid": {"id": "int", "s": "varchar(10)", "st": "int", "n": "int",
                                               "r": "varchar(5)"}})
    assert rows == [(_sql_server_stuff(*row),) for row in grid]
    pg.execute("select case when st >= 1 then overlay(s placing coalesce(r, '') from st for n) end"
               " from grid order by id")
    overlaid = [value for (value,) in pg.fetchall()]
    assert [overlay for (stuffed,), overlay in zip(rows, overlaid) if stuffed is not None] == [
        stuffed for (stuffed,) in rows if stuffed is not None]


TABLE_CASES = [
    # Case-insensitive, trailing-space-insensitive =, <>, IN, BETWEEN, <, joins, simple CASE.
    # https://learn.microsoft.com/sql/relational-databases/collations/collation-and-unicode-support
    ("SELECT id FROM words WHERE name = 'ABC' ORDER BY id", [(1,), (2,)]),
    ("SELECT id FROM words WHERE name <> 'abc' ORDER BY id", [(3,)]),
    ("SELECT id FROM words WHERE name IN ('ABC', 'zzz') ORDER BY id", [(1,), (2,)]),
    ("SELECT id FROM words WHERE name NOT IN ('ABC') ORDER BY id", [(3,)]),
    ("SELECT id FROM words WHERE name BETWEEN 'abc' AND 'ABC' ORDER BY id", [(1,), (2,)]),
    ("SELECT id FROM words WHERE name > 'ABC' ORDER BY id", [(3,)]),
    ("SELECT id FROM words WHERE code = 'AB' ORDER BY id", [(1,), (2,)]),
    ("SELECT a.id, b.id FROM words a JOIN words b ON a.name = b.name AND a.id < b.id", [(1, 2)]),
    ("SELECT CASE name WHEN 'ABC' THEN 'y' ELSE 'n' END FROM words ORDER BY id", [("y",), ("y",), ("n",), ("n",)]),
    # An explicit case-sensitive COLLATE keeps the comparison exact.
    ("SELECT id FROM words WHERE name COLLATE Latin1_General_CS_AS = 'Abc'", [(1,)]),
    # LIKE: case-insensitive; the value's trailing spaces ignored; [a-c], [^c], [_] classes;
    # no escape character unless ESCAPE names one.
    # https://learn.microsoft.com/sql/t-sql/language-elements/like-transact-sql
    ("SELECT id FROM words WHERE name LIKE 'ab%' ORDER BY id", [(1,), (2,), (3,)]),
    ("SELECT id FROM words WHERE name LIKE 'abc' ORDER BY id", [(1,), (2,)]),
    ("SELECT id FROM words WHERE name LIKE 'A_C' ORDER BY id", [(1,), (2,)]),
    ("SELECT id FROM words WHERE name LIKE '[a-c]b[^c]' ORDER BY id", [(3,)]),
    ("SELECT id FROM words WHERE name NOT LIKE '%c' ORDER BY id", [(3,)]),
    ("SELECT id FROM words WHERE note LIKE '%[_]%' ORDER BY id", [(2,)]),
    ("SELECT id FROM words WHERE note LIKE '%!%%' ESCAPE '!' ORDER BY id", [(2,)]),
    ("SELECT id FROM words WHERE note LIKE '%\\%' ORDER BY id", [(4,)]),
    ("SELECT id FROM words WHERE amount LIKE '1%' ORDER BY id", [(1,)]),
    # CHARINDEX over a column.
    ("SELECT CHARINDEX('B', name) FROM words ORDER BY id", [(2,), (2,), (2,), (None,)]),
    # GROUP BY / DISTINCT: 'Abc' and 'abc  ' are one group; one of the values is returned
    # (SQL Server does not say which: we return the smallest under PostgreSQL's collation).
    # https://learn.microsoft.com/sql/t-sql/queries/select-group-by-transact-sql
    ("SELECT name, COUNT(*) FROM words GROUP BY name ORDER BY COUNT(*) DESC, name",
     [("Abc", 2), (None, 1), ("ABD", 1)]),
    ("SELECT UPPER(name) AS u, COUNT(*) AS n FROM words WHERE id < 4 GROUP BY UPPER(name)", [("ABC", 2), ("ABD", 1)]),
    ("SELECT COUNT(*) FROM (SELECT DISTINCT name FROM words) AS d", [(3,)]),
    ("SELECT DISTINCT name FROM words WHERE id < 3", [("Abc",)]),
    ("SELECT COUNT(DISTINCT name) FROM words", [(2,)]),
    # `+` over columns: a NULL operand makes the whole NULL.
    ("SELECT name + '!' FROM words ORDER BY id", [("Abc!",), ("abc  !",), ("ABD!",), (None,)]),
    # ISNULL converts the replacement to the first argument's type: varchar(3) cuts it;
    # COALESCE does not.  https://learn.microsoft.com/sql/t-sql/functions/isnull-transact-sql
    ("SELECT ISNULL(short, 'abcdef'), COALESCE(short, 'abcdef') FROM words WHERE id = 2", [("abc", "abcdef")]),
    ("SELECT ISNULL(short, 'zz') FROM words ORDER BY id", [("xyz",), ("zz",), ("a_%",), ("q",)]),
    # LEN vs DATALENGTH over columns: nvarchar 2 bytes a character, nchar(5) always 10.
    ("SELECT LEN(name), DATALENGTH(name) FROM words WHERE id = 2", [(3, 5)]),
    ("SELECT DATALENGTH(note), DATALENGTH(code) FROM words WHERE id = 1", [(14, 10)]),
    # char(n) holds n characters, its padding shows in concatenation and string functions.
    # https://learn.microsoft.com/sql/t-sql/data-types/char-and-varchar-transact-sql
    ("SELECT '[' + code + ']' FROM words ORDER BY id", [("[ab   ]",), ("[AB   ]",), (None,), ("[cd   ]",)]),
    ("SELECT RIGHT(code, 4), LEN(code), code + '!' FROM words WHERE id = 1", [("b   ", 2, "ab   !")]),
    # REPLACE over a column ignores case.
    ("SELECT REPLACE(name, 'B', 'x') FROM words ORDER BY id", [("Axc",), ("axc  ",), ("AxD",), (None,)]),
    # ORDER BY and OVER (ORDER BY) sort text by the CI collation (NULL lowest); PARTITION BY
    # groups 'Abc' with 'abc  '.
    # https://learn.microsoft.com/sql/t-sql/queries/select-order-by-clause-transact-sql
    # https://learn.microsoft.com/sql/t-sql/queries/select-over-clause-transact-sql
    ("SELECT id FROM words ORDER BY name, id", [(4,), (1,), (2,), (3,)]),
    ("SELECT id, ROW_NUMBER() OVER (ORDER BY name DESC, id) FROM words ORDER BY id", [(1, 2), (2, 3), (3, 1), (4, 4)]),
    ("SELECT id, COUNT(*) OVER (PARTITION BY name) FROM words ORDER BY id", [(1, 2), (2, 2), (3, 1), (4, 1)]),
    # STRING_AGG skips NULLs, orders WITHIN GROUP, converts numbers.
    # https://learn.microsoft.com/sql/t-sql/functions/string-agg-transact-sql
    ("SELECT STRING_AGG(name, ',') WITHIN GROUP (ORDER BY id DESC) FROM words", [("ABD,abc  ,Abc",)]),
    ("SELECT STRING_AGG(id, '-') WITHIN GROUP (ORDER BY id) FROM words", [("1-2-3-4",)]),
]


@pytest.mark.parametrize(("tsql", "expected"), TABLE_CASES)
def test_query_over_strings_returns_what_sql_server_returns(words, tsql, expected, run_tsql):
    assert run_tsql(tsql) == expected


CASE_SENSITIVE_CASES = [
    # Under a _CS_ collation case counts, trailing spaces still do not (ANSI padding), and
    # LIKE still knows bracket classes.
    # https://learn.microsoft.com/sql/relational-databases/collations/collation-and-unicode-support
    ("SELECT id FROM words WHERE name = 'abc' ORDER BY id", [(2,)]),
    ("SELECT id FROM words WHERE name LIKE '[A]B%' ORDER BY id", [(3,)]),
    ("SELECT id FROM words WHERE CHARINDEX('B', name) = 2 ORDER BY id", [(3,)]),
    ("SELECT COUNT(*) FROM (SELECT DISTINCT name FROM words) AS d", [(4,)]),
]


@pytest.mark.parametrize(("tsql", "expected"), CASE_SENSITIVE_CASES)
def test_case_sensitive_collation_keeps_case(words, tsql, expected):
    tree = apply_rewrites(sqlglot.parse_one(tsql, read="tsql"), RewriteContext(COLUMN_TYPES, case_sensitive=True))
    sql = tree.sql(dialect="postgres")
    assert "lower(" not in sql.lower()
    words.execute(sql)
    assert words.fetchall() == expected


@pytest.mark.parametrize(
    ("collation", "expected"),
    [
        ("SQL_Latin1_General_CP1_CI_AS", False),
        ("Latin1_General_CS_AS", True),
        ("Latin1_General_100_BIN2", True),
        ("Latin1_General_100_CI_AS_SC_UTF8", False),
    ],
)
def test_is_case_sensitive(collation, expected):
    assert is_case_sensitive(collation) is expected


@pytest.mark.parametrize(
    ("pattern", "escape", "regex"),
    [
        ("[a-c]%", None, "^[a-c].* *$"),
        ("[^x]_", None, "^[^x]. *$"),
        ("a.b[%]", None, "^a\\.b[%] *$"),
        ("[[]x]", None, "^[\\[]x\\] *$"),
        ("50!%%", "!", "^50%.* *$"),
        ("a(b)+", None, "^a\\(b\\)\\+ *$"),
    ],
)
def test_like_pattern_as_regex(pattern, escape, regex):
    assert like_pattern_as_regex(pattern, escape) == regex


def test_like_translation_text():
    sql = translate_select(
        "SELECT id FROM words WHERE name LIKE 'A%' AND name LIKE '[ab]c' AND name NOT LIKE 'x'",
        relations={"dbo.words": "words"},
        column_types=COLUMN_TYPES,
    )
    assert re.sub(r"\s+", " ", sql) == (
        "select id from words as words where name ilike 'A%' and name ~* '^[ab]c *$' and not rtrim(name) ilike 'x'"
    )
