"""Issue 13, point 8: bad arguments exit with status 2 and one `migrator: error:` line, before
anything runs (unusable sources: tests/test_cli_refusals.py)."""

from __future__ import annotations

import pytest

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import BUNDLED_EXAMPLE


def _status(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as stop:  # argparse's own usage errors
        return stop.code


def _projects(home) -> set[str]:
    folder = home / "projects"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.mark.parametrize(("args", "message"), [
    (["migrate"], "the following arguments are required: source, --project"),
    (["nonsense"], "argument command: invalid choice: 'nonsense'"),
    (["migrate", str(BUNDLED_EXAMPLE), "--nope"], "the following arguments are required: --project"),
    (["migrate", str(BUNDLED_EXAMPLE), "--project", "../x"], "invalid project name '../x'"),
    (["migrate", str(BUNDLED_EXAMPLE), "--project", "Bad-Name"], "invalid project name 'Bad-Name'"),
    (["migrate", "/nonexistent/estate", "--project", "x"], "source not found: /nonexistent/estate"),
])
def test_bad_arguments_exit_2_with_one_line(migrator_home, capsys, args, message):
    # the session's home may hold other tests' projects: nothing may be added to them
    before = _projects(migrator_home)
    assert _status(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("migrator: error: ") and message in lines[0], lines
    assert _projects(migrator_home) == before
