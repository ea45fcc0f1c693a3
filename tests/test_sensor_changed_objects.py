"""The new_sources sensor's changed-project path (issue 10): a content hash per object in the
cursor, and the run it requests names the objects that changed. The run itself re-translates
and rebuilds only those and their dependents (tests/test_incremental.py)."""

from __future__ import annotations

import json
import os

import dagster as dg

from migrator_pipeline.defs.sensors import INBOX_VARIABLE, new_sources

ESTATE = """CREATE TABLE dbo.T (id int NOT NULL PRIMARY KEY, name nvarchar(20));
GO
CREATE VIEW dbo.V AS SELECT id FROM dbo.T;
GO
CREATE VIEW dbo.W AS SELECT name FROM dbo.T;
GO
"""


def _tick(instance, cursor):
    return new_sources(dg.build_sensor_context(instance=instance, cursor=cursor))


def test_a_changed_project_s_run_names_the_objects_that_changed(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv(INBOX_VARIABLE, str(inbox))
    instance = dg.DagsterInstance.ephemeral()
    script = inbox / "shop.sql"
    script.write_text(ESTATE)
    first = _tick(instance, _tick(instance, None).cursor)
    [request] = first.run_requests
    assert "migrator/changed_objects" not in request.tags  # a new project: everything is new
    hashes = json.loads(first.cursor)["objects"]["shop.sql"]
    assert sorted(hashes) == ["dbo.t", "dbo.v", "dbo.w"]

    script.write_text(ESTATE.replace("SELECT id FROM dbo.T", "SELECT id FROM dbo.T WHERE id > 1"))
    os.utime(script, ns=(script.stat().st_atime_ns, script.stat().st_mtime_ns + 10**9))
    [again] = _tick(instance, _tick(instance, first.cursor).cursor).run_requests
    assert again.tags["migrator/changed_objects"] == "1 objects: dbo.v"
    now = json.loads(_tick(instance, first.cursor).cursor)
    assert now["objects"]["shop.sql"] == hashes  # a tick that requests nothing keeps the hashes


def test_an_unreadable_changed_source_still_gets_its_run(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv(INBOX_VARIABLE, str(inbox))
    instance = dg.DagsterInstance.ephemeral()
    (inbox / "empty").mkdir()
    (inbox / "empty" / "readme.txt").write_text("no scripts here")
    [request] = _tick(instance, _tick(instance, None).cursor).run_requests
    assert request.partition_key == "empty"  # the run says why the source is unusable
