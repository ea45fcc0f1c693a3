"""`migrator migrate` is quiet: one line per finished step (and a progress bar on a terminal) and
the summary; Dagster's and dbt's logs in the project's migrate.log (on the terminal with --verbose)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios

import dagster as dg
import pytest

from migrator_pipeline.cli_progress import ERASE_LINE, logs_to_file, progress_bar, progress_logger, step_line

MIGRATOR = os.path.join(os.path.dirname(sys.executable), "migrator")
STEPS = ["source_catalog", "source_tables", "assessment", "migration_plan", "draft_models",
         "test_report", "repaired_models", "evaluation"]
TINY_ESTATE = """\
CREATE TABLE dbo.Customer (CustomerId int NOT NULL PRIMARY KEY, Name nvarchar(50) NOT NULL);
GO
CREATE VIEW dbo.CustomerNames AS SELECT CustomerId, UPPER(Name) AS Name FROM dbo.Customer;
GO
"""


def test_a_step_line_shows_the_steps_counts_not_its_usage_figures():
    metadata = {"tables": dg.IntMetadataValue(2), "models": dg.JsonMetadataValue({"success": 3}),
                "report": dg.MetadataValue.md("# long"), "llm_requests": 0, "duration_s": 1.0}
    assert step_line("source_tables", 1.25, metadata) == "  source_tables         1.2s  tables=2; models: success=3"


@dg.asset
def step_that_works() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"objects": 4})


@dg.asset(deps=[step_that_works])
def step_that_breaks() -> None:
    raise RuntimeError("the disk is full")


def test_a_failed_steps_stack_goes_to_the_log_file_only(tmp_path, capfd):
    log_path = tmp_path / "project" / "migrate.log"
    with logs_to_file(log_path, verbose=False) as terminal:
        job = dg.Definitions(
            jobs=[dg.define_asset_job("steps")], assets=[step_that_works, step_that_breaks],
            loggers={"console": dg.colored_console_logger, "progress": progress_logger(terminal)},
        ).resolve_job_def("steps")
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                                        run_config={"loggers": {"console": {}, "progress": {}}})
    assert not result.success
    out, err = capfd.readouterr()
    assert out == ""
    assert err.splitlines()[0].startswith("  step_that_works") and err.splitlines()[0].endswith("objects=4")
    assert len(err.splitlines()) == 1  # nothing for the failure: the CLI's one error line says it
    log = log_path.read_text()
    assert "RuntimeError: the disk is full" in log
    assert 'in step_that_breaks' in log  # the stack, for whoever reads the log


@pytest.mark.slow
def test_migrate_prints_a_line_per_step_and_the_summary(migrator_home, tmp_path):
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "estate.sql").write_text(TINY_ESTATE)
    env = {k: v for k, v in os.environ.items() if k not in ("MIGRATOR_DAGSTER_STORAGE_URL", "DAGSTER_HOME")}
    result = subprocess.run([MIGRATOR, "migrate", str(tmp_path / "tiny"), "--project", "tiny_quiet"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    stdout, stderr = result.stdout.splitlines(), result.stderr.splitlines()
    assert len(stdout) == 3 and stdout[0].startswith("project tiny_quiet: 2 objects"), result.stdout
    assert stderr[0].startswith("migrating ") and "migrate.log" in stderr[0]
    assert sorted(line.split()[0] for line in stderr[1:]) == sorted(STEPS), result.stderr
    log = (migrator_home / "projects" / "tiny_quiet" / "migrate.log").read_text()
    assert "STEP_SUCCESS" in log and "dbt build" in log  # Dagster's events (all of them) and dbt's output


@dg.asset
def reports_progress(context) -> dg.MaterializeResult:
    for done in (1, 2):  # as defs/assets.py's long steps report
        context.log.info(f"drafted: {done}/2 (model_{done})")
    return dg.MaterializeResult(metadata={"objects": 2})


@dg.asset(deps=[reports_progress])
def finishes() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"models": 1})


def _run_two_steps(terminal, **progress) -> None:
    job = dg.Definitions(
        jobs=[dg.define_asset_job("steps")], assets=[reports_progress, finishes],
        loggers={"progress": progress_logger(terminal, 2, **progress)},
    ).resolve_job_def("steps")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), run_config={"loggers": {"progress": {}}})
    assert result.success


def _through_a_pseudo_terminal(columns: int = 120, **progress) -> str:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))  # the terminal's size
    attributes = termios.tcgetattr(follower)
    attributes[1] &= ~termios.ONLCR  # the bytes as written: no \n -> \r\n on the way
    termios.tcsetattr(follower, termios.TCSANOW, attributes)
    with os.fdopen(follower, "w", buffering=1, encoding="utf-8") as terminal:
        assert terminal.isatty()
        _run_two_steps(terminal, **progress)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed and everything is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks).decode()


def _screen(output: str) -> list[str]:
    """What a terminal shows in the end: each line as left after its last erase."""
    return [line.split(ERASE_LINE)[-1] for line in output.split("\n")]


def test_on_a_terminal_a_progress_bar_is_redrawn_below_the_step_lines(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    output = _through_a_pseudo_terminal()
    # the bar, as the first step starts, reports its progress, and the second runs
    assert ERASE_LINE + progress_bar(0, 2, "reports_progress") in output
    assert ERASE_LINE + progress_bar(0, 2, "reports_progress", "drafted 1/2") in output
    assert ERASE_LINE + progress_bar(0, 2, "reports_progress", "drafted 2/2") in output
    assert ERASE_LINE + progress_bar(1, 2, "finishes") in output
    assert progress_bar(1, 2, "finishes") == "  [############............] 1/2  finishes"
    # in the end the bar is gone and the step lines stay, one each
    screen = _screen(output)
    assert len(screen) == 3 and screen[2] == ""
    assert screen[0].startswith("  reports_progress") and screen[0].endswith("objects=2")
    assert screen[1].startswith("  finishes") and screen[1].endswith("models=1")


def test_a_bar_is_never_wider_than_the_terminal(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    output = _through_a_pseudo_terminal(columns=30)  # read from the terminal itself, not from descriptor 1
    bars = [part for line in output.split("\n") for part in line.split(ERASE_LINE) if part.startswith("  [")]
    assert bars and all(len(bar) <= 29 for bar in bars)


def test_with_the_bar_turned_off_a_terminal_gets_plain_lines():
    output = _through_a_pseudo_terminal(bar=False)  # --verbose: the logs share the terminal
    assert "\r" not in output and "\x1b" not in output
    assert [line.split()[0] for line in output.splitlines()] == ["reports_progress", "finishes"]


def test_into_a_pipe_or_a_file_the_lines_are_plain():
    terminal = io.StringIO()
    _run_two_steps(terminal)
    output = terminal.getvalue()
    assert "\r" not in output and "\x1b" not in output
    assert [line.split()[0] for line in output.splitlines()] == ["reports_progress", "finishes"]


@dg.asset
def loads_tables(context) -> dg.MaterializeResult:
    # what source_tables does: it reports on the raw tables' own assets too, with their row counts
    context.log_event(dg.AssetMaterialization(asset_key=["demo", "raw", "dbo", "empty"],
                                              metadata={"dagster/row_count": 0}))
    return dg.MaterializeResult(metadata={"tables": 1, "rows": 7})


def test_a_step_line_shows_its_own_assets_counts_not_those_it_reports_on():
    terminal = io.StringIO()
    job = dg.Definitions(jobs=[dg.define_asset_job("steps")], assets=[loads_tables],
                         loggers={"progress": progress_logger(terminal)}).resolve_job_def("steps")
    assert job.execute_in_process(instance=dg.DagsterInstance.ephemeral(),
                                  run_config={"loggers": {"progress": {}}}).success
    assert terminal.getvalue().rstrip().endswith("tables=1; rows=7")
    assert "row_count" not in terminal.getvalue()
