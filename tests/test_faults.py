"""Faults end cleanly: the real `migrator` command, killed, run twice at once, with its server
stopped or its disk full. Each test then runs the project again and expects it to recover with
no manual clean-up. One embedded server for the module, under its own MIGRATOR_HOME."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg2
import pytest

from migrator_pipeline.project_files import BUNDLED_EXAMPLE

pytestmark = pytest.mark.slow
MIGRATOR = os.path.join(os.path.dirname(sys.executable), "migrator")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("faults_home")
    yield home
    _migrator(home, "stop")


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "MIGRATOR_HOME": str(home)}
    for name in ("MIGRATOR_WAREHOUSE_URL", "MIGRATOR_DAGSTER_STORAGE_URL", "DAGSTER_HOME"):
        env.pop(name, None)
    return env


def _migrator(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([MIGRATOR, *args], env=_env(home), capture_output=True, text=True, timeout=600)


def _start_migration(home: Path, project: str, log: Path) -> subprocess.Popen:
    with log.open("w") as stderr:
        return subprocess.Popen([MIGRATOR, "migrate", str(BUNDLED_EXAMPLE), "--project", project],
                                env=_env(home), stdout=subprocess.DEVNULL, stderr=stderr)


def _group(pgid: int) -> list[psutil.Process]:
    members = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                members.append(process)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def _group_ended(pgid: int, seconds: float = 10) -> list[psutil.Process]:
    """The group's members still alive `seconds` after its leader ended: children that are ending
    (multiprocessing's resource tracker, dbt) get a moment on a loaded machine, none may stay."""
    deadline = time.monotonic() + seconds
    while (members := _group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return members


def _wait_for_dbt_build(run: subprocess.Popen, timeout: float = 300) -> list[psutil.Process]:
    """The `dbt build` processes of a running migration, once they have started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert run.poll() is None, "the migration ended before dbt build started"
        builds = []
        for process in _group(run.pid):
            try:
                command = process.cmdline()
            except psutil.NoSuchProcess:
                continue
            if "build" in command and any(part.endswith("dbt") for part in command):
                builds.append(process)
        if builds:
            return builds
        time.sleep(0.2)
    raise AssertionError("dbt build did not start")


@functools.cache
def _dagster_storage_url(home: Path) -> str:
    """The instance's database, asked of `migrator` once per home: the embedded server is reached
    by its socket under the home, the same URL after a stop and a restart."""
    return _migrator(home, "warehouse-url").stdout.strip().replace("/warehouse?", "/dagster?")


def _run_statuses(home: Path, project: str) -> list[str]:
    """The project's Dagster runs, oldest first, read from the instance's own database."""
    with psycopg2.connect(_dagster_storage_url(home)) as conn, conn.cursor() as cur:
        cur.execute("select r.status from runs r join run_tags t on t.run_id = r.run_id "
                    "where t.key = 'dagster/partition' and t.value = %s order by r.id", (project,))
        statuses = [row[0] for row in cur.fetchall()]
    conn.close()
    return statuses


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("migrator: error:")]


def _assert_outputs_whole(project_dir: Path) -> None:
    """Every output the steps wrote parses: none is truncated, no temporary file is left."""
    for path in project_dir.glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    assert not list(project_dir.glob(".*.tmp"))


def test_killed_run_leaves_no_process_and_a_second_run_waits_its_turn(home, tmp_path):
    first = _start_migration(home, "killed", tmp_path / "first.log")
    builds = _wait_for_dbt_build(first)

    second = _migrator(home, "migrate", str(BUNDLED_EXAMPLE), "--project", "killed")
    assert second.returncode == 2
    assert second.stderr.strip().splitlines() == [
        "migrator: error: project 'killed' is already being migrated by another run; wait for it to finish"]

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert _group_ended(first.pid) == []
    assert not any(process.is_running() and process.status() != psutil.STATUS_ZOMBIE for process in builds)
    assert _run_statuses(home, "killed") == ["STARTED"]  # orphaned, until the next start

    again = _migrator(home, "migrate", str(BUNDLED_EXAMPLE), "--project", "killed")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "marked the orphaned run" in again.stderr
    assert _run_statuses(home, "killed") == ["FAILURE", "SUCCESS"]
    _assert_outputs_whole(home / "projects" / "killed")


def test_full_disk_is_one_line_a_failed_run_and_no_truncated_file(home, tmp_path):
    projects = home / "projects"
    projects.mkdir(exist_ok=True)
    # room for project.json, not for the catalog (about 100 KB for the bundled example)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(projects)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        full = _migrator(home, "migrate", str(BUNDLED_EXAMPLE), "--project", "full")
        assert full.returncode == 1, full.stderr[-3000:]
        assert _error_lines(full.stderr) == [full.stderr.strip().splitlines()[-1]]
        assert "No space left on device" in full.stderr.strip().splitlines()[-1]
        assert "Traceback" not in full.stderr.split("migrator: error:")[-1]
        assert not (projects / "full" / "catalog.json").exists()
        _assert_outputs_whole(projects / "full")
        assert _run_statuses(home, "full") == ["FAILURE"]
    finally:
        subprocess.run(["umount", str(projects)], check=True)
    again = _migrator(home, "migrate", str(BUNDLED_EXAMPLE), "--project", "full")
    assert again.returncode == 0, again.stderr[-3000:]
    assert _run_statuses(home, "full") == ["FAILURE", "SUCCESS"]


def test_warehouse_stopped_mid_run_is_one_line_and_the_next_run_recovers(home, tmp_path):
    run = _start_migration(home, "stopped", tmp_path / "run.log")
    _wait_for_dbt_build(run)
    assert _migrator(home, "stop").returncode == 0
    assert run.wait(timeout=300) == 1
    stderr = (tmp_path / "run.log").read_text()
    last = stderr.strip().splitlines()[-1]
    assert _error_lines(stderr) == [last], stderr[-3000:]
    assert _group_ended(run.pid) == []

    again = _migrator(home, "migrate", str(BUNDLED_EXAMPLE), "--project", "stopped")
    assert again.returncode == 0, again.stderr[-3000:]
    assert _run_statuses(home, "stopped") == ["FAILURE", "SUCCESS"]
    _assert_outputs_whole(home / "projects" / "stopped")
