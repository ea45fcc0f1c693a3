"""Generated estates with hostile names and bodies through the whole pipeline: no traceback,
nothing from the source runs, no secret reaches a file, every object is accounted for."""

from __future__ import annotations

import contextlib
import json

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import ProjectFiles

pytestmark = pytest.mark.slow
SECRET = "sk-ant-SENTINEL-property-3f9a"
HOSTILE_PIECES = ["{{", "}}", "{%", "%}", "{#", "#}", "-#}", "{% raw %}", "{% endraw %}",
                  "{{ env_var('ANTHROPIC_API_KEY') }}", '{{ run_query("drop schema canary cascade") }}',
                  "select", "from", "group", "end", "order", "'", '"', "[", "é", "日本", ": ", "- ", "&a", "|", "\\"]
_PIECE = st.sampled_from(HOSTILE_PIECES) | st.text(alphabet="abcXYZ_ 0-$#{}%", min_size=1, max_size=4)
TEXT = st.lists(_PIECE, min_size=1, max_size=5).map("".join)
# Names: no `]` (it closes a bracketed name), no leading or trailing blanks (SQL Server trims
# them), no leading `#` (a temporary object, which no estate holds)
NAME = TEXT.map(lambda s: s.replace("]", "").replace("\\", "").strip()).filter(lambda s: s and s[0] != "#")


def _literal(text: str) -> str:
    return "N'" + text.replace("'", "''") + "'"


def _estate(table: str, columns: list[str], view: str, function: str, literal: str, comment: str) -> str:
    key, value = columns
    return f"""
CREATE TABLE dbo.[{table}] ([{key}] int NOT NULL PRIMARY KEY, [{value}] nvarchar(200) NULL);
GO
INSERT INTO dbo.[{table}] ([{key}], [{value}]) VALUES (1, {_literal(literal)});
GO
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = {_literal(comment)},
    @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = {_literal(table)};
GO
CREATE VIEW dbo.[{view}] AS
-- {comment.replace(chr(10), ' ')}
SELECT t.[{key}], t.[{value}], {_literal(literal)} AS lit FROM dbo.[{table}] AS t;
GO
CREATE FUNCTION dbo.[{function}](@x int) RETURNS nvarchar(200) AS BEGIN RETURN {_literal(literal)} END
GO
"""


@pytest.fixture(scope="module")
def canary(migrator_home, warehouse_url):
    @contextlib.contextmanager
    def cursor():
        with contextlib.closing(psycopg2.connect(warehouse_url)) as conn:
            conn.autocommit = True
            yield conn.cursor()
    with cursor() as cur:
        cur.execute("create schema if not exists canary; create table if not exists canary.alive (x int)")
    return cursor


@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(names=st.lists(NAME, min_size=5, max_size=5, unique_by=lambda s: s.lower()),
       literal=TEXT, comment=TEXT)
def test_hostile_generated_estates_never_run_leak_or_lose_an_object(canary, tmp_path_factory, names, literal, comment):
    table, key, value, view, function = names
    estate = tmp_path_factory.mktemp("estate")
    (estate / "estate.sql").write_text(_estate(table, [key, value], view, function, literal, comment), encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ANTHROPIC_API_KEY", SECRET)
        assert main(["migrate", str(estate), "--project", "hostile_property"]) == 0
    files = ProjectFiles("hostile_property")
    with canary() as cur:
        cur.execute("select to_regclass('canary.alive')")
        assert cur.fetchone() == ("canary.alive",)
    assert [p for p in files.root.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()] == []
    catalog = json.loads(files.path("catalog.json").read_text())
    evaluation = json.loads(files.path("evaluation.json").read_text())
    assert sorted(o["source"] for o in evaluation["objects"]) == sorted(
        f"{o['schema']}.{o['name']}" for o in catalog["objects"])
    assert {f"dbo.{table}", f"dbo.{view}", f"dbo.{function}"} <= {o["source"] for o in evaluation["objects"]}
    scored = {o["source"]: o for o in evaluation["objects"]}
    view_score = scored[f"dbo.{view}"]
    if view_score["status"] == "passed":  # then its literal is the same text
        [model] = view_score["models"]
        with canary() as cur:
            cur.execute(f"select lit from {model['relation']}")
            assert cur.fetchall() == [(literal,)]
