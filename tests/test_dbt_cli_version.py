"""defs/resources.dbt_cli gives dagster-dbt the version of the dbt installed beside this Python
through dagster-dbt's private cached property `_cli_version`, so that no build first spawns
`dbt --version` (seconds, tens on a loaded machine). A private name can change on any upgrade
of dagster-dbt, and the line would then do nothing without a word: this test drives the path our
resource uses (`DbtCliResource.cli`) and fails loudly if anything spawns `dbt --version`. No dbt
runs: the first process started ends the invocation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from migrator_pipeline.defs.resources import dbt_cli

PROJECT = "name: probe\nversion: '1.0.0'\nprofile: probe\n"
# a profile dbt can read; nothing connects
PROFILES = """probe:
  target: dev
  outputs:
    dev: {type: postgres, host: localhost, port: 5432, user: probe, password: '', dbname: probe,
          schema: probe, threads: 1}
"""
FIX = ("dagster-dbt asked the dbt executable for its version although defs/resources.dbt_cli sets "
       "`_cli_version`: dagster-dbt no longer reads that attribute. Find where "
       "dagster_dbt/core/resource.py (DbtCliResource) now gets the dbt version and set that in "
       "dbt_cli instead, or drop the line if dagster-dbt no longer spawns `dbt --version`.")


class Spawned(Exception):
    """The first process the invocation starts: stopped before it runs."""


def test_a_dbt_invocation_spawns_no_dbt_version(tmp_path, monkeypatch):
    (tmp_path / "dbt_project.yml").write_text(PROJECT)
    (tmp_path / "profiles.yml").write_text(PROFILES)
    beside = Path(sys.executable).parent / "dbt"
    cli = dbt_cli(tmp_path)
    if not beside.exists() or Path(cli.dbt_executable).resolve() != beside.resolve():
        pytest.skip("dbt is not the one installed beside this Python: dbt_cli leaves the version to dagster-dbt")
    spawned: list[list[str]] = []

    def spawn(process, args, *rest, **options):
        spawned.append([str(a) for a in args] if isinstance(args, (list, tuple)) else [str(args)])
        raise Spawned

    # every process Python starts (check_output, run, Popen, under whatever name) comes through here
    monkeypatch.setattr(subprocess.Popen, "_execute_child", spawn)
    with pytest.raises(Spawned):
        cli.cli(["parse"], raise_on_error=False, target_path=tmp_path / "target")
    [command] = spawned
    assert "--version" not in command, FIX
    assert command[0] == cli.dbt_executable and "parse" in command  # the invocation itself, stopped
