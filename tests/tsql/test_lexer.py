"""GO batches and statement splitting, as exact tables of examples."""

import pytest

from migrator_pipeline.tsql.lexer import Batch, split_batches, split_statements, tokenize


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("select 1\nGO\nselect 2\n", [Batch("select 1", 1), Batch("select 2", 3)]),
        ("select 1\ngo\n\n\nselect 2", [Batch("select 1", 1), Batch("select 2", 5)]),
        ("select 1\n  Go 3  -- three times\nselect 2", [Batch("select 1", 1), Batch("select 2", 3)]),
        ("select 1\r\nGO\r\nselect 2\r\n", [Batch("select 1", 1), Batch("select 2", 3)]),
        ("select 'a\nGO\nb'\nGO\nselect 2", [Batch("select 'a\nGO\nb'", 1), Batch("select 2", 5)]),
        ("select N'it''s\ngo\n'", [Batch("select N'it''s\ngo\n'", 1)]),
        ("-- GO\nselect 1\nGO", [Batch("-- GO\nselect 1", 1)]),
        ("/* outer /* inner */\nGO\n*/ select 1\nGO\nselect 2", [Batch("/* outer /* inner */\nGO\n*/ select 1", 1), Batch("select 2", 5)]),
        ("select 1 go\nselect 2", [Batch("select 1 go\nselect 2", 1)]),
        ("GO\nGO\n", []),
        ("select 'unterminated\nGO\nselect 2", [Batch("select 'unterminated\nGO\nselect 2", 1)]),
    ],
)
def test_split_batches(script, expected):
    assert split_batches(script) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SET NOCOUNT ON SELECT 1", [("SET", "SET NOCOUNT ON"), ("SELECT", "SELECT 1")]),
        (
            "TRUNCATE TABLE t INSERT INTO t (a) SELECT a FROM s UNION ALL SELECT 1 SELECT 2",
            [("TRUNCATE", "TRUNCATE TABLE t"), ("INSERT", "INSERT INTO t (a) SELECT a FROM s UNION ALL SELECT 1"), ("SELECT", "SELECT 2")],
        ),
        ("UPDATE t SET a = 1 SET @x = 2", [("UPDATE", "UPDATE t SET a = 1"), ("SET", "SET @x = 2")]),
        ("SELECT a FROM t WITH (NOLOCK); WITH c AS (SELECT 1 a) SELECT * FROM c", [("SELECT", "SELECT a FROM t WITH (NOLOCK)"), ("WITH", "WITH c AS (SELECT 1 a) SELECT * FROM c")]),
        (
            "MERGE t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET b = 1 WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a);",
            [("MERGE", "MERGE t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET b = 1 WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a)")],
        ),
        (
            "IF @x = 1 BEGIN DELETE FROM t END ELSE SELECT CASE WHEN a = 1 THEN 2 ELSE 3 END FROM t",
            [("IF", "IF @x = 1"), ("DELETE", "DELETE FROM t"), ("ELSE", "ELSE"), ("SELECT", "SELECT CASE WHEN a = 1 THEN 2 ELSE 3 END FROM t")],
        ),
        ("DECLARE c CURSOR FOR SELECT a FROM t OPEN c", [("DECLARE", "DECLARE c CURSOR FOR SELECT a FROM t"), ("OPEN", "OPEN c")]),
        ("SET IDENTITY_INSERT t ON INSERT t VALUES (1) SET IDENTITY_INSERT t OFF", [("SET", "SET IDENTITY_INSERT t ON"), ("INSERT", "INSERT t VALUES (1)"), ("SET", "SET IDENTITY_INSERT t OFF")]),
        ("CREATE VIEW v AS SELECT 1 AS a UNION SELECT 2", [("CREATE", "CREATE VIEW v AS SELECT 1 AS a UNION SELECT 2")]),
        # options after WITH are not a CTE: pubs' reports group WITH ROLLUP, its script raises WITH NOWAIT
        ("SELECT a, COUNT(*) FROM t GROUP BY a WITH ROLLUP ORDER BY a SELECT 2",
         [("SELECT", "SELECT a, COUNT(*) FROM t GROUP BY a WITH ROLLUP ORDER BY a"), ("SELECT", "SELECT 2")]),
        ("SELECT a FROM t GROUP BY a, b WITH CUBE", [("SELECT", "SELECT a FROM t GROUP BY a, b WITH CUBE")]),
        ("SELECT TOP 2 WITH TIES a FROM t ORDER BY a", [("SELECT", "SELECT TOP 2 WITH TIES a FROM t ORDER BY a")]),
        ("RAISERROR('x', 0, 1) WITH NOWAIT SELECT 1", [("RAISERROR", "RAISERROR('x', 0, 1) WITH NOWAIT"), ("SELECT", "SELECT 1")]),
        ("SELECT 1 WITH c (x) AS (SELECT 2) SELECT x FROM c",
         [("SELECT", "SELECT 1"), ("WITH", "WITH c (x) AS (SELECT 2) SELECT x FROM c")]),
    ],
)
def test_split_statements(text, expected):
    split = split_statements(tokenize(text))
    assert [(s.verb, text[s.start : s.end]) for s in split.statements] == expected
    assert split.errors == []


def test_catch_blocks_and_unbalanced_blocks_are_reported():
    text = "BEGIN TRY INSERT t SELECT 1 END TRY BEGIN CATCH THROW END CATCH BEGIN SELECT 2"
    split = split_statements(tokenize(text))
    assert [(s.verb, s.in_catch) for s in split.statements] == [("INSERT", False), ("THROW", True), ("SELECT", False)]
    assert split.errors == [("BEGIN without a matching END", text.rindex("BEGIN"))]


def test_unterminated_string_is_an_error_token():
    tokens = tokenize("select 'abc")
    assert [(t.kind, t.text) for t in tokens] == [("word", "select"), ("error", "unterminated string")]


def test_a_procedure_grouping_with_rollup_is_one_statement():
    from migrator_pipeline.tsql.modules import body_statements

    statements, errors = body_statements(
        "select pub_id, avg(price) from titles group by pub_id with rollup order by pub_id")
    assert errors == []
    assert [s.sql("tsql") for s in statements] == [
        "SELECT pub_id, AVG(price) FROM titles GROUP BY pub_id WITH ROLLUP ORDER BY pub_id"]
