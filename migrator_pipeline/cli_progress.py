"""Quiet progress for `migrator migrate`: one line per step as it finishes, Dagster's and dbt's logs
in a file under the project folder (on the terminal with --verbose)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import dagster as dg
from dagster import DagsterEventType

from migrator_pipeline.usage import usage_metadata

# the usage figures every step carries are summed in the final summary, not repeated per step
_USAGE_KEYS = frozenset(usage_metadata())


@contextlib.contextmanager
def logs_to_file(log_path: Path, verbose: bool) -> Iterator[TextIO]:
    """Send everything written to file descriptors 1 and 2 (Dagster's console logger, dbt's
    output, warnings) to `log_path`, unless `verbose`. Yields a stream on the terminal's stderr
    for the progress lines."""
    if verbose:
        yield sys.stderr
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved_err), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        with open(log_path, "a", encoding="utf-8") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:  # Python's own streams too, for when they are not on descriptors 1 and 2
                with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                    yield terminal
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved_out, 1)
                os.dup2(saved_err, 2)
    finally:
        terminal.close()
        os.close(saved_out)
        os.close(saved_err)


def step_line(step: str, seconds: float, metadata: dict) -> str:
    """`source_catalog       1.2s  tables=3, views=4`: the step's own counts, not its usage figures."""
    counts = []
    for key, value in metadata.items():
        if key in _USAGE_KEYS:
            continue
        raw = getattr(value, "value", value)
        if isinstance(raw, bool):
            continue
        if isinstance(raw, int):
            counts.append(f"{key}={raw}")
        elif isinstance(raw, dict) and raw and all(isinstance(v, int) for v in raw.values()):
            counts.append(f"{key}: " + ", ".join(f"{k}={v}" for k, v in raw.items()))
    return f"  {step:<18} {seconds:6.1f}s  {'; '.join(counts)}".rstrip()


class _StepLines(logging.Handler):
    """Prints a line when a step succeeds. A failure prints nothing here: the CLI's one error
    line says which step failed and why."""

    def __init__(self, terminal: TextIO):
        super().__init__(level=logging.DEBUG)
        self.terminal = terminal
        self.metadata: dict[str, dict] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None or event.step_key is None:
            return
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            self.metadata.setdefault(event.step_key, {}).update(event.materialization.metadata)
        elif event.event_type == DagsterEventType.STEP_SUCCESS:
            seconds = event.event_specific_data.duration_ms / 1000
            print(step_line(event.step_key, seconds, self.metadata.pop(event.step_key, {})),
                  file=self.terminal, flush=True)


def progress_logger(terminal: TextIO) -> dg.LoggerDefinition:
    @dg.logger(description="one line per finished step, for the migrator CLI")
    def step_progress(_init_context) -> logging.Logger:
        log = logging.Logger("migrator.progress", level=logging.DEBUG)  # not registered globally
        log.addHandler(_StepLines(terminal))
        return log

    return step_progress
