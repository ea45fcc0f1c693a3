"""The assessment: features found in T-SQL bodies, scores, bands, paths, the summary and the report."""

from __future__ import annotations

import json

import pytest

from migrator_pipeline.assessment import (
    Assessment,
    Blocker,
    assess,
    band_of,
    complexity_score,
    count_lines,
    predicted_path,
)
from migrator_pipeline.assessment.features import FEATURES, detect_features, scan_features
from migrator_pipeline.assessment.report import escape_cell, render_markdown
from migrator_pipeline.catalog.model import Catalog, Finding, SourceObject

# --- features ---------------------------------------------------------------

FEATURE_CASES = [
    # body, expected {feature: line in body}
    ("CREATE PROCEDURE p AS\nDECLARE c CURSOR FOR SELECT a FROM t;", {"cursor": 2}),
    ("DECLARE @c CURSOR;", {"cursor": 1}),
    ("SET @i = 0;\nWHILE @i < 3\n  SET @i = @i + 1;", {"while_loop": 2}),
    ("EXEC (@sql);", {"dynamic_sql": 1}),
    ("EXEC('SELECT 1');", {"dynamic_sql": 1}),
    ("EXECUTE sp_executesql @stmt, N'@id int', @id = 1;", {"dynamic_sql": 1}),
    ("EXEC @procname;", {"dynamic_sql": 1}),
    ("EXEC @rc = dbo.usp_Load;", {}),
    ("EXEC dbo.usp_Load @Date = '2024-01-01';", {}),
    ("SELECT a\nINTO #staging\nFROM t;", {"temp_table": 2}),
    ("SELECT * FROM ##shared;", {"temp_table": 1}),
    ("SELECT * FROM [#bracketed];", {"temp_table": 1}),
    ("DECLARE @rows TABLE (id int);", {"table_variable": 1}),
    ("DECLARE @rows AS TABLE (id int);", {"table_variable": 1}),
    ("DECLARE @n int;", {}),
    ("MERGE dbo.t AS tgt USING dbo.s AS src ON tgt.id = src.id\nWHEN MATCHED THEN UPDATE SET a = src.a;", {"merge": 1}),
    ("SELECT * FROM a INNER MERGE JOIN b ON a.id = b.id;", {}),
    ("BEGIN TRY\n  SELECT 1;\nEND TRY\nBEGIN CATCH\n  THROW;\nEND CATCH", {"try_catch": 1}),
    ("BEGIN TRAN;\nUPDATE t SET a = 1;\nCOMMIT;", {"transaction": 1}),
    ("UPDATE t SET a = 1;\nROLLBACK TRANSACTION;", {"transaction": 2}),
    ("UPDATE t SET a = 1\nOUTPUT inserted.a INTO @changed;", {"output_clause": 2}),
    ("DELETE FROM t OUTPUT deleted.id WHERE a = 1;", {"output_clause": 1}),
    ("CREATE PROCEDURE p @n int OUTPUT AS SET @n = 1;", {}),
    ("SELECT x.value('(/r/a)[1]', 'int') FROM t;", {"xml_methods": 1}),
    ("SELECT n.c.query('.') FROM @doc.nodes('/r/a') AS n(c);", {"xml_methods": 1}),
    ("SELECT a FROM t\nFOR XML PATH('row');", {"for_xml": 2}),
    ("SELECT a FROM t FOR JSON AUTO;", {"for_json": 1}),
    ("CREATE TABLE t (id int,\n  node hierarchyid);", {"clr_types": 2}),
    ("DECLARE @p geography = geography::Point(1, 2, 4326);", {"clr_types": 1}),
    ("SELECT * FROM s\nPIVOT (SUM(v) FOR k IN ([a], [b])) AS p;", {"pivot": 2}),
    ("SELECT * FROM s UNPIVOT (v FOR k IN (a, b)) AS u;", {"unpivot": 1}),
    (
        "WITH tree (id, lvl) AS (\n  SELECT id, 0 FROM n WHERE parent IS NULL\n"
        "  UNION ALL SELECT n.id, lvl + 1 FROM n JOIN tree ON n.parent = tree.id)\nSELECT * FROM tree;",
        {"recursive_cte": 1},
    ),
    (
        "WITH a AS (SELECT 1 AS x),\nb AS (SELECT x FROM b2 JOIN b3 ON 1 = 1),\n"
        "c AS (SELECT x FROM c)\nSELECT * FROM c;",
        {"recursive_cte": 3},
    ),
    ("WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b;", {}),
    ("SELECT * FROM t WITH (NOLOCK);", {}),
    ("UPDATE t SET a = 1;\nIF @@ROWCOUNT = 0 RETURN;", {"rowcount": 2}),
    ("INSERT INTO t (a) VALUES (1);\nSET @id = SCOPE_IDENTITY();", {"scope_identity": 2}),
    ("SET @id = @@IDENTITY;", {"scope_identity": 1}),
    ("SELECT * FROM Archive.dbo.Orders;", {"cross_database": 1}),
    ("SELECT * FROM Archive..Orders;", {"cross_database": 1}),
    ("SELECT o.id\nFROM t JOIN [Other DB].[dbo].[T2] o ON 1 = 1;", {"cross_database": 2}),
    ("SELECT * FROM t WHERE id IN (SELECT id FROM LinkedSrv.Sales.dbo.Orders);", {"cross_database": 1}),
    ("SELECT * FROM OPENQUERY(LinkedSrv, 'SELECT 1');", {"cross_database": 1}),
    ("SELECT dbo.Orders.OrderID FROM dbo.Orders;", {}),
    ("INSERT INTO dw.T (a) SELECT a FROM dbo.S;", {}),
]


@pytest.mark.parametrize(("body", "expected"), FEATURE_CASES)
def test_detect_features(body, expected):
    assert detect_features(body) == expected


def test_every_feature_has_a_positive_case():
    covered = {feature for _, expected in FEATURE_CASES for feature in expected}
    assert covered == set(FEATURES)


@pytest.mark.parametrize(
    "body",
    [
        "SELECT 'DECLARE c CURSOR; WHILE 1=1 MERGE #t' AS a FROM t;",
        "SELECT N'EXEC(@sql) sp_executesql PIVOT' AS a;",
        "SELECT 1 -- a cursor and a WHILE loop, @@ROWCOUNT, FOR XML\nFROM t;",
        "/* MERGE dbo.t USING s ... BEGIN TRY BEGIN TRAN ... COMMIT\n   OUTPUT inserted.a, geography */ SELECT 1;",
        "SELECT [WHILE], [CURSOR], \"PIVOT\" FROM t;",
        "SELECT 'it''s a #temp, not ''Other.dbo.T''' AS note;",
    ],
)
def test_feature_words_in_strings_comments_and_quoted_names_do_not_count(body):
    assert detect_features(body) == {}


def test_several_features_come_in_canonical_order_with_first_lines():
    body = "SELECT @@ROWCOUNT;\nSELECT * INTO #t FROM s;\nDECLARE c CURSOR FOR SELECT 1;\nSELECT * FROM #t;"
    assert list(detect_features(body).items()) == [("cursor", 3), ("temp_table", 2), ("rowcount", 1)]


def test_line_of_a_feature_after_a_multiline_string_and_comment():
    body = "SELECT 'a\nb\nc' AS s;\n/* one\ntwo */\nWHILE 1 = 0 BREAK;"
    assert detect_features(body) == {"while_loop": 6}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("SELECT a INTO #t FROM s WHERE b = 'never closed", {"temp_table": 1}),
        ("DECLARE c CURSOR FOR SELECT 1; -- WHILE\nSELECT 'oops WHILE", {"cursor": 1}),
        ("SELECT 1;\nMERGE t USING s ON 1 = 1 WHEN MATCHED THEN DELETE; /* open comment WHILE", {"merge": 2}),
    ],
)
def test_fallback_lexer_when_sqlglot_cannot_tokenize(body, expected):
    scan = scan_features(body)
    assert scan.tokenizer == "fallback"
    assert scan.error
    assert scan.features == expected


def test_sqlglot_tokenizer_is_used_for_normal_bodies():
    scan = scan_features("SELECT a FROM #t;")
    assert (scan.tokenizer, scan.error, scan.features) == ("sqlglot", None, {"temp_table": 1})


# --- scoring ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "lines", "features", "score", "band"),
    [
        ("table", 12, [], 0, "low"),
        ("view", 19, [], 1, "low"),
        ("view", 40, [], 3, "low"),
        ("view", 60, [], 4, "medium"),
        ("procedure", 25, [], 3, "low"),
        ("procedure", 25, ["temp_table"], 5, "medium"),
        ("procedure", 10, ["merge", "transaction", "rowcount"], 7, "medium"),
        ("procedure", 30, ["cursor", "while_loop"], 13, "high"),
        ("procedure", 900, [], 12, "high"),  # size points stop at 10
        ("trigger", 15, [], 4, "medium"),
        ("function", 5, ["recursive_cte"], 4, "medium"),
    ],
)
def test_complexity_and_band(kind, lines, features, score, band):
    assert complexity_score(kind, lines, features) == score
    assert band_of(score) == band


@pytest.mark.parametrize(
    ("kind", "features", "path"),
    [
        ("view", [], "rules"),
        ("procedure", ["temp_table", "merge", "transaction", "rowcount", "scope_identity"], "rules"),
        ("procedure", ["table_variable"], "rules"),
        ("view", ["pivot"], "llm"),
        ("procedure", ["try_catch", "transaction"], "llm"),
        ("view", ["for_json"], "llm"),
        ("view", ["cross_database"], "llm"),
        ("procedure", ["pivot", "cursor"], "llm"),
        ("procedure", ["while_loop"], "llm"),
        ("procedure", ["cursor", "dynamic_sql"], "manual"),
        ("procedure", ["dynamic_sql"], "manual"),
        ("table", ["clr_types"], "manual"),
        ("trigger", [], "manual"),
    ],
)
def test_predicted_path(kind, features, path):
    assert predicted_path(kind, features) == path


@pytest.mark.parametrize(("body", "lines"), [("", 0), ("\n\n", 0), ("SELECT 1", 1), ("\nSELECT 1\nFROM t\n\n", 2)])
def test_count_lines(body, lines):
    assert count_lines(body) == lines


# --- assess -----------------------------------------------------------------


def _catalog() -> Catalog:
    return Catalog(
        source="scripts/",
        objects=[
            SourceObject(
                "dbo", "usp_Manual", "procedure", file="procs.sql", line=40,
                body="CREATE PROCEDURE dbo.usp_Manual AS\nBEGIN\n  DECLARE c CURSOR FOR SELECT id FROM t;\n"
                "  OPEN c;\n  WHILE @@FETCH_STATUS = 0 FETCH NEXT FROM c;\nEND",
            ),
            SourceObject(
                "dbo", "Customers", "table", file="tables.sql", line=1,
                body="CREATE TABLE dbo.Customers (\n  CustomerID int NOT NULL PRIMARY KEY\n)",
            ),
            SourceObject(
                "dw", "usp_Load", "procedure", file="procs.sql", line=10,
                body="CREATE PROCEDURE dw.usp_Load AS\nBEGIN\n  SELECT * INTO #t FROM dbo.Customers;\n"
                "  INSERT INTO dw.T SELECT * FROM #t;\nEND",
            ),
            SourceObject(
                "dbo", "vw_Pivot", "view", file="views.sql", line=7,
                body="CREATE VIEW dbo.vw_Pivot AS\nSELECT * FROM s\nPIVOT (SUM(v) FOR k IN ([a])) p",
            ),
            SourceObject(
                "dbo", "vw_Plain", "view", file="views.sql", line=1,
                body="CREATE VIEW dbo.vw_Plain AS\n-- no CURSOR here\nSELECT 'WHILE' AS w FROM dbo.Customers",
            ),
            SourceObject(
                "dbo", "trg_Audit", "trigger", file="procs.sql", line=90,
                body="CREATE TRIGGER dbo.trg_Audit ON dbo.Customers AFTER UPDATE AS\n"
                "INSERT INTO a SELECT * FROM inserted",
            ),
            SourceObject(
                "dbo", "usp_Broken", "procedure", file="procs.sql", line=100,
                body="CREATE PROCEDURE dbo.usp_Broken AS\nSELECT 'unterminated",
            ),
        ],
        findings=[Finding("warning", "batch | could not be parsed\nskipped", file="bad.sql", line=3)],
    )  # fmt: skip


def test_assess_objects():
    objects = {obj.source: obj for obj in assess(_catalog()).objects}
    got = {
        source: (obj.kind, obj.lines, obj.features, obj.complexity, obj.band, obj.predicted_path, obj.effort_hours)
        for source, obj in objects.items()
    }
    assert got == {
        "dbo.usp_Manual": ("procedure", 6, ["cursor", "while_loop"], 12, "high", "llm", 6.0),
        "dbo.Customers": ("table", 3, [], 0, "low", "rules", 0.5),
        "dw.usp_Load": ("procedure", 5, ["temp_table"], 4, "medium", "rules", 2.0),
        "dbo.vw_Pivot": ("view", 3, ["pivot"], 4, "medium", "llm", 2.0),
        "dbo.vw_Plain": ("view", 3, [], 1, "low", "rules", 0.5),
        "dbo.trg_Audit": ("trigger", 2, [], 4, "medium", "manual", 2.0),
        "dbo.usp_Broken": ("procedure", 2, [], 2, "low", "rules", 0.5),
    }


def test_assess_orders_objects_by_kind_then_name():
    assert [obj.source for obj in assess(_catalog()).objects] == [
        "dbo.Customers", "dbo.vw_Pivot", "dbo.vw_Plain",
        "dbo.usp_Broken", "dbo.usp_Manual", "dw.usp_Load", "dbo.trg_Audit",
    ]  # fmt: skip


def test_blockers_carry_file_and_file_line():
    objects = {obj.source: obj for obj in assess(_catalog()).objects}
    manual = objects["dbo.usp_Manual"].blockers
    assert [(b.feature, b.file, b.line) for b in manual] == [
        ("cursor", "procs.sql", 42),
        ("while_loop", "procs.sql", 44),
    ]
    assert [(b.feature, b.file, b.line) for b in objects["dbo.vw_Pivot"].blockers] == [("pivot", "views.sql", 9)]
    assert [(b.feature, b.file, b.line) for b in objects["dbo.trg_Audit"].blockers] == [("trigger", "procs.sql", 90)]
    assert objects["dw.usp_Load"].blockers == []  # temp tables are handled by rules
    assert all(b.message for b in manual)


def test_body_line_is_used_when_the_object_has_no_file_position():
    catalog = Catalog("x", [SourceObject("dbo", "p", "procedure", body="SELECT 1;\nWHILE 1 = 0 BREAK;")])
    assert assess(catalog).objects[0].blockers[0] == Blocker(
        "while_loop", None, 2, "a WHILE loop runs row by row; the LLM rewrites it as one set-based query, to review"
    )


def test_findings_are_carried_and_untokenizable_bodies_are_reported():
    findings = assess(_catalog()).findings
    assert findings[0] == _catalog().findings[0]
    assert len(findings) == 2
    broken = findings[1]
    assert (broken.severity, broken.file, broken.line, broken.object) == ("warning", "procs.sql", 100, "dbo.usp_Broken")
    assert broken.message.startswith("could not tokenize procedure dbo.usp_Broken (")


def _llm_tokens(*sources: str) -> int:
    bodies = {obj.source: obj.body for obj in _catalog().objects}
    return sum(420 + -(-len(bodies[source]) // 4) + 600 for source in sources)


def test_llm_tokens_are_estimated_per_object_on_the_llm_path_only():
    objects = {obj.source: obj for obj in assess(_catalog()).objects}
    assert {s: o.llm_tokens for s, o in objects.items() if o.llm_tokens} == {
        "dbo.usp_Manual": _llm_tokens("dbo.usp_Manual"), "dbo.vw_Pivot": _llm_tokens("dbo.vw_Pivot")}
    line = next(l for l in render_markdown(assess(_catalog()), "s").splitlines() if l.startswith("- LLM"))
    assert line == (f"- LLM, estimated before anything is spent: **2** objects (28.6%), about "
                    f"**{_llm_tokens('dbo.usp_Manual', 'dbo.vw_Pivot')}** tokens")


def test_summary():
    assert assess(_catalog()).summary == {
        "objects": 7,
        "lines": 24,
        "effort_hours": 13.5,
        "by_kind": {"table": 1, "view": 2, "procedure": 3, "trigger": 1},
        "by_band": {"low": 3, "medium": 3, "high": 1},
        "by_path": {"rules": 4, "llm": 2, "manual": 1},
        "by_kind_and_path": {
            "table": {"rules": 1, "llm": 0, "manual": 0},
            "view": {"rules": 1, "llm": 1, "manual": 0},
            "procedure": {"rules": 2, "llm": 1, "manual": 0},
            "trigger": {"rules": 0, "llm": 0, "manual": 1},
        },
        "top_blockers": {"cursor": 1, "pivot": 1, "trigger": 1, "while_loop": 1},
        "findings": {"warning": 2},
        "llm_estimate": {"objects": 2, "share": 0.2857, "tokens": _llm_tokens("dbo.usp_Manual", "dbo.vw_Pivot")},
        # these hand-built objects record no dependencies, so one wave holds them all
        "dependency_order": {"waves": [["dbo.Customers", "dbo.trg_Audit", "dbo.usp_Broken",
                                        "dbo.usp_Manual", "dbo.vw_Pivot", "dbo.vw_Plain",
                                        "dw.usp_Load"]], "blocked_by_cycles": []},
    }


def test_empty_catalog():
    assessment = assess(Catalog("empty"))
    assert assessment.objects == []
    assert assessment.summary["by_path"] == {"rules": 0, "llm": 0, "manual": 0}
    assert "No blockers" in render_markdown(assessment, "empty")


def test_to_dict_round_trips_through_json():
    assessment = assess(_catalog())
    raw = json.loads(json.dumps(assessment.to_dict()))
    assert raw["objects"][0]["source"] == "dbo.Customers"
    assert raw["objects"][4]["blockers"][0] == {
        "feature": "cursor",
        "file": "procs.sql",
        "line": 42,
        "message": "a cursor processes rows one by one; the LLM rewrites it as one set-based query, to review",
    }
    assert Assessment.from_dict(raw) == assessment


# --- report -----------------------------------------------------------------


def test_markdown_report_key_lines():
    lines = render_markdown(assess(_catalog()), "sales").splitlines()
    expected_in_order = [
        "# Assessment: sales",
        "- **7** objects, **24** lines of T-SQL",
        "- Predicted path: **4** by rules, **2** by LLM, **1** manual",
        "- Estimated effort: **13.5** hours",
        "## By kind and predicted path",
        "| kind | rules | llm | manual | total |",
        "| --- | --- | --- | --- | --- |",
        "| table | 1 | 0 | 0 | 1 |",
        "| view | 1 | 1 | 0 | 2 |",
        "| procedure | 2 | 1 | 0 | 3 |",
        "| trigger | 0 | 0 | 1 | 1 |",
        "| **total** | 4 | 2 | 1 | 7 |",
        "## By complexity band",
        "| low | 3 | 0.5 |",
        "| medium | 3 | 2 |",
        "| high | 1 | 6 |",
        "## Top blockers",
        "| cursor | 1 |",
        "## Objects",
        "| source | kind | lines | band | path | features |",
        "| dbo.Customers | table | 3 | low | rules |  |",
        "| dbo.usp_Manual | procedure | 6 | high | llm | cursor, while_loop |",
        "## Findings",
        "| warning | bad.sql:3 |  | batch \\| could not be parsed skipped |",
    ]
    positions = [lines.index(line) for line in expected_in_order]
    assert positions == sorted(positions)


def test_markdown_tables_have_a_constant_column_count():
    catalog = _catalog()
    odd = SourceObject("dbo", "odd|name", "view", body="CREATE VIEW [dbo].[odd|name] AS SELECT 1 AS a")
    catalog.objects.append(odd)
    markdown = render_markdown(assess(catalog), "p|q")
    assert "| dbo.odd\\|name | view | 1 | low | rules |  |" in markdown.splitlines()
    for block in markdown.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        widths = {line.replace("\\|", "").count("|") for line in rows}
        assert len(widths) <= 1, block


@pytest.mark.parametrize(
    ("value", "cell"),
    [("a|b", "a\\|b"), ("line\nbreak", "line break"), (3, "3"), ("C:\\dir", "C:\\\\dir"), ("", "")],
)
def test_escape_cell(value, cell):
    assert escape_cell(value) == cell
