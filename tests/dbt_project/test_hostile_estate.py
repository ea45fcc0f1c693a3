"""A hostile estate through the whole pipeline: nothing from the source runs, no secret leaks,
every text comes back as data, and one bad object costs only itself."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import psycopg2
import pytest

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import ProjectFiles

pytestmark = pytest.mark.slow
SECRET = "sk-ant-SENTINEL-never-in-a-file-7c1e"
DROP_CANARY = '{{ run_query("drop schema canary cascade") }}'
ENV_SECRET = "{{ env_var('ANTHROPIC_API_KEY') }}"

# Every text a view selects, as SQL Server returns it.
LITERALS = {
    "jinja_expression": DROP_CANARY,
    "raw_open": "{% raw %}",
    "raw_close": "{% endraw %}",
    "jinja_comment": "{# x #}",
    "comment_closer": "#} -#} %} }}",
    "open_only": "{{",
    "secret": ENV_SECRET,
    "quotes": "it's \"quoted\" [brackets] ü 日本 `tick` \\ back",
    "yaml_breakers": "key: value\n- item\n  # not a comment: &anchor *alias !tag |",
    "statement": "{% set x = run_query('drop schema canary cascade') %}{{ x }}",
}


def _literal(text: str) -> str:
    return "N'" + text.replace("'", "''") + "'"


ESTATE_TEMPLATE = """
CREATE TABLE dbo.[select] (
    [from] int NOT NULL PRIMARY KEY,
    [group] nvarchar(80) NULL,
    [end] int NOT NULL,
    [<ENV>] nvarchar(100) NULL
);
GO
CREATE TABLE dbo.[Notes #} {{ x }}] (id int NOT NULL PRIMARY KEY, [note {% raw %}] nvarchar(200) NULL);
GO
INSERT INTO dbo.[select] ([from], [group], [end], [<ENV>]) VALUES (1, <DROP_LITERAL>, 2, N'{% raw %}');
INSERT INTO dbo.[select] ([from], [group], [end], [<ENV>]) VALUES (2, N'#} {# x', 5, N'ü 日本');
INSERT INTO dbo.[Notes #} {{ x }}] (id, [note {% raw %}]) VALUES (1, <ENV_LITERAL>);
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = <DESCRIPTION>,
    @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'select';
GO
CREATE VIEW dbo.vw_literals AS
-- <DROP>
SELECT 1 AS id, <LITERALS>
/* <ENV> {% raw %} */
GO
CREATE VIEW dbo.[vw_#} {{ evil }}] AS
SELECT s.[from], s.[group], s.[end] FROM dbo.[select] AS s WHERE s.[group] <> N'{%';
GO
CREATE FUNCTION dbo.[fn_#} <ENV>](@x int) RETURNS nvarchar(60) AS BEGIN RETURN N'#}' END
GO
CREATE FUNCTION dbo.fn_tag(@x int) RETURNS nvarchar(60) AS BEGIN RETURN <DROP_LITERAL> + CAST(@x AS nvarchar(10)) END
GO
CREATE VIEW dbo.vw_calls AS SELECT s.[from], dbo.fn_tag(s.[end]) AS tagged FROM dbo.[select] AS s;
GO
CREATE PROCEDURE dbo.[usp_#} {% raw %}] @p int = 1 AS SELECT [from] FROM dbo.[select] WHERE [end] > @p
GO
CREATE VIEW dbo.vw_deep AS SELECT <DEEP> AS deep;
GO
CREATE VIEW dbo.vw_after_deep AS SELECT [end] FROM dbo.[select];
GO
"""
DESCRIPTION = "{% raw %} unbalanced {{ and " + ENV_SECRET + ": [yaml, breaker"
ESTATE = (ESTATE_TEMPLATE
          .replace("<LITERALS>", ", ".join(f"{_literal(text)} AS {name}" for name, text in LITERALS.items()))
          .replace("<DESCRIPTION>", _literal(DESCRIPTION))
          .replace("<DROP_LITERAL>", _literal(DROP_CANARY)).replace("<ENV_LITERAL>", _literal(ENV_SECRET))
          .replace("<DROP>", DROP_CANARY).replace("<ENV>", ENV_SECRET)
          .replace("<DEEP>", "(" * 500 + "1" + ")" * 500))


@pytest.fixture(scope="module")
def hostile(migrator_home, warehouse_url, tmp_path_factory):
    estate = tmp_path_factory.mktemp("hostile_estate")
    (estate / "estate.sql").write_text(ESTATE, encoding="utf-8")
    with _cursor(warehouse_url) as cur:
        cur.execute("create schema if not exists canary; create table if not exists canary.alive (x int)")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ANTHROPIC_API_KEY", SECRET)
        assert main(["migrate", str(estate), "--project", "hostile"]) == 0
    files = ProjectFiles("hostile")
    return files, json.loads(files.path("evaluation.json").read_text())


@contextlib.contextmanager
def _cursor(warehouse_url: str):
    with contextlib.closing(psycopg2.connect(warehouse_url)) as conn:
        conn.autocommit = True
        yield conn.cursor()


def test_nothing_from_the_source_ran(hostile, warehouse_url):
    with _cursor(warehouse_url) as cur:
        cur.execute("select to_regclass('canary.alive')")
        assert cur.fetchone() == ("canary.alive",)


def test_a_literal_that_would_drop_a_schema_is_data_in_a_project_dbt_parses(migrator_home, warehouse_url, tmp_path):
    """On its own, where nothing else would stop dbt's parse first: the literal that ran
    `run_query` before this fix is a row now, and the canary is still there."""
    (tmp_path / "estate.sql").write_text(
        f"CREATE VIEW dbo.vw_drop AS SELECT {_literal(DROP_CANARY)} AS t -- {DROP_CANARY}\nGO\n", encoding="utf-8")
    with _cursor(warehouse_url) as cur:
        cur.execute("create schema if not exists canary; create table if not exists canary.alive (x int)")
    assert main(["migrate", str(tmp_path), "--project", "hostile_quiet"]) == 0
    with _cursor(warehouse_url) as cur:
        cur.execute("select to_regclass('canary.alive')")
        assert cur.fetchone() == ("canary.alive",)
        cur.execute("select t from hostile_quiet.vw_drop")
        assert cur.fetchall() == [(DROP_CANARY,)]


def test_no_file_under_the_project_holds_the_secret(hostile):
    files, _ = hostile
    paths = [p for p in files.root.rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in paths)
    assert [p for p in paths if SECRET.encode() in p.read_bytes()] == []


def test_every_text_comes_back_as_data(hostile, warehouse_url):
    with _cursor(warehouse_url) as cur:
        cur.execute(f"select {', '.join(LITERALS)} from hostile.vw_literals")
        assert cur.fetchall() == [tuple(LITERALS.values())]
        cur.execute('select "from", "group", "end" from hostile.vw__evil order by 1')
        assert cur.fetchall() == [(1, DROP_CANARY, 2), (2, "#} {# x", 5)]
        cur.execute('select "from", "group", "end", env_var_anthropic_api_key from hostile.stg_dbo__select order by 1')
        assert cur.fetchall() == [(1, DROP_CANARY, 2, "{% raw %}"), (2, "#} {# x", 5, "ü 日本")]
        cur.execute("select note_raw from hostile.stg_dbo__notes_x")
        assert cur.fetchall() == [(ENV_SECRET,)]
        cur.execute('select "from", tagged from hostile.vw_calls order by 1')
        assert cur.fetchall() == [(1, DROP_CANARY + "2"), (2, DROP_CANARY + "5")]
    files, _ = hostile
    manifest = json.loads((files.dbt_dir / "target" / "manifest.json").read_text())
    table = manifest["sources"]["source.hostile.dbo.select"]
    assert table["description"] == DESCRIPTION
    assert table["columns"]["env_var_anthropic_api_key"]["description"] == f"SQL Server `{ENV_SECRET}` nvarchar(100)."


def test_every_object_is_accounted_for_and_one_bad_object_costs_only_itself(hostile):
    _, evaluation = hostile
    statuses = {o["source"]: (o["status"], o["reason"]) for o in evaluation["objects"]}
    assert set(statuses) == {
        "dbo.select", "dbo.Notes #} {{ x }}", "dbo.vw_literals", "dbo.vw_#} {{ evil }}",
        "dbo.fn_#} " + ENV_SECRET, "dbo.fn_tag", "dbo.vw_calls", "dbo.usp_#} {% raw %}",
        "dbo.vw_deep", "dbo.vw_after_deep"}
    assert statuses["dbo.vw_deep"][0] == "needs_review"
    assert "RecursionError" in statuses["dbo.vw_deep"][1]
    assert statuses["dbo.usp_#} {% raw %}"] == ("needs_review", "analysis: review parameters")
    passed = {source for source, (status, _) in statuses.items() if status == "passed"}
    assert passed == set(statuses) - {"dbo.vw_deep", "dbo.usp_#} {% raw %}"}, statuses


def test_names_inside_jinja_comments_cannot_close_them(hostile):
    files, _ = hostile
    [macro] = [p for p in (files.dbt_dir / "macros" / "migrated").glob("*.sql") if p.stem != "fn_tag"]
    header = macro.read_text().splitlines()[0]
    assert header.startswith("{#-") and header.endswith("-#}") and header.count("#}") == 1
    analysis = (files.dbt_dir / "analyses" / "usp__raw.sql").read_text()
    assert analysis.index("-#}") > analysis.index("review its parameters")
    assert Path(files.dbt_dir / "target").exists()
