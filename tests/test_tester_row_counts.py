"""The tester's row count reads every column, so a view that builds but whose columns cannot be
computed on this PostgreSQL fails alone instead of passing unread."""

from __future__ import annotations

import contextlib

import psycopg2

from migrator_pipeline.dbt_project.results import BuildReport, NodeResult
from migrator_pipeline.defs.resources import count_rows


def test_a_view_whose_columns_fail_is_failed_by_the_count_and_the_others_are_counted(warehouse_url):
    with contextlib.closing(psycopg2.connect(warehouse_url)) as conn:
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("create schema count_rows_t; create table count_rows_t.good as select 1 as x union all select 2;"
                    "create view count_rows_t.bad as select x, 1 / (x - x) as boom from count_rows_t.good")
        try:
            report = BuildReport([NodeResult("model.p.good", "good", "model", "success"),
                                  NodeResult("model.p.bad", "bad", "model", "success")])
            assert count_rows(warehouse_url, report, "count_rows_t") == {"good": 2}
            bad = report.nodes[1]
            assert (bad.status, bad.message) == ("error", "reading the relation: division by zero")
        finally:
            cur.execute("drop schema count_rows_t cascade")
