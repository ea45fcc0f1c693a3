"""Issue 7: a #temp table, which the planner inlines as a CTE, keeps the types of the SELECT that
fills it, so the type-aware rewrites still apply to what reads it: AVG of its int column is an
int. Through the real planner and translation, rows on PostgreSQL.
https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql"""

from __future__ import annotations

from pathlib import Path

from migrator_pipeline.agents.executor import draft_models
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.planning.planner import plan_migration

from tests.conftest import render_relations

ESTATE = """
CREATE TABLE dbo.scores (id int NOT NULL PRIMARY KEY, score int NOT NULL, name varchar(10) NULL);
CREATE TABLE dbo.summary (average int NULL, shout varchar(20) NULL, matches int NULL);
GO
CREATE PROCEDURE dbo.load_summary AS
BEGIN
    SELECT score, name INTO #s FROM dbo.scores
    TRUNCATE TABLE dbo.summary
    INSERT INTO dbo.summary (average, shout, matches)
    SELECT AVG(score), MAX(name + '!'), SUM(CASE WHEN name = 'ABC' THEN 1 ELSE 0 END) FROM #s
END
GO
"""


def test_a_temp_table_keeps_its_types_for_what_reads_it(pg, tmp_path: Path):
    (tmp_path / "estate.sql").write_text(ESTATE, encoding="utf-8")
    catalog = read_catalog(tmp_path)
    plan = plan_migration(catalog, "p")
    [draft] = [d for d in draft_models(plan, catalog).models if d.origin == "dbo.load_summary"]
    assert draft.sql is not None, draft.error
    pg.execute("create table stg_dbo__scores (id int, score int, name varchar(10))")
    pg.executemany("insert into stg_dbo__scores values (%s, %s, %s)", [(1, 10, "Abc"), (2, 10, "abc"), (3, 11, "x")])
    pg.execute(render_relations(draft.sql))
    assert pg.fetchall() == [(10, "x!", 2)]  # not 10.3333; `+` concatenates; `=` ignores case
