"""Quiet progress for `migrator migrate`: one line per step as it finishes, with a progress bar
below them on a terminal; Dagster's and dbt's logs in a file under the project folder (on the
terminal with --verbose, and then no bar: the logs would tear it)."""

from __future__ import annotations

import contextlib
import logging
import os
import re
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


# what a long step reports as it goes (defs/assets.py `_progress`): "drafted: 40/120 (sales.v_orders)"
_STEP_PROGRESS = re.compile(r"^(\w+): (\d+)/(\d+)\b")
ERASE_LINE = "\r\x1b[2K"  # back to the line's start, and clear it
_BAR_WIDTH = 24


def progress_bar(done: int, total: int, running: str | None, detail: str = "") -> str:
    """`[#########...............] 3/8  draft_models: drafted 40/120`: steps finished of the run's,
    the step running and how far it has got."""
    filled = _BAR_WIDTH * done // max(total, 1)
    text = f"  [{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {done}/{total}"
    if running:
        text += f"  {running}" + (f": {detail}" if detail else "")
    return text


class _StepLines(logging.Handler):
    """Prints a line when a step succeeds; on a terminal (`bar_total` steps), keeps a progress bar
    on the line below, redrawn as steps start, report progress and finish. A failure prints nothing
    here (the bar is erased): the CLI's one error line says which step failed and why."""

    def __init__(self, terminal: TextIO, bar_total: int | None = None):
        super().__init__(level=logging.DEBUG)
        self.terminal = terminal
        self.bar_total = bar_total
        self.metadata: dict[str, dict] = {}
        self.done = 0
        self.running: str | None = None
        self.detail = ""

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None:
            self._step_progress(getattr(record, "dagster_meta", None) or {})
            return
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self.running, self.detail = event.step_key, ""
            self._draw_bar()
        elif kind == DagsterEventType.ASSET_MATERIALIZATION and event.step_key and \
                event.asset_key == dg.AssetKey(event.step_key):  # not the raw tables or models it reports on
            self.metadata.setdefault(event.step_key, {}).update(event.materialization.metadata)
        elif kind == DagsterEventType.STEP_SUCCESS:
            self.done += 1
            self.running = None
            seconds = event.event_specific_data.duration_ms / 1000
            self._write(step_line(event.step_key, seconds, self.metadata.pop(event.step_key, {})) + "\n")
            self._draw_bar()
        elif kind in (DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
            self.running = None
            self._write("")  # erases the bar: what follows starts on a clean line

    def _step_progress(self, meta: dict) -> None:
        found = _STEP_PROGRESS.match(meta.get("orig_message") or "")
        if found and self.running and meta.get("step_key") == self.running:
            self.detail = f"{found[1]} {found[2]}/{found[3]}"
            self._draw_bar()

    def _draw_bar(self) -> None:
        if self.bar_total and self.done < self.bar_total:
            width = self._columns() - 1  # a wrapped line could not be erased
            self._write(progress_bar(self.done, self.bar_total, self.running, self.detail)[:width], end="")

    def _columns(self) -> int:
        """The terminal's width: $COLUMNS, else the terminal's own (descriptor 1, where shutil
        looks, is the log file while the CLI runs), else 80."""
        if os.environ.get("COLUMNS", "").isdigit():
            return int(os.environ["COLUMNS"])
        try:
            return os.get_terminal_size(self.terminal.fileno()).columns or 80
        except (OSError, ValueError, AttributeError):
            return 80

    def _write(self, text: str, end: str = "") -> None:
        if self.bar_total:
            text = ERASE_LINE + text
        elif not text:
            return
        print(text, end=end, file=self.terminal, flush=True)


def progress_logger(terminal: TextIO, total_steps: int | None = None, bar: bool = True) -> dg.LoggerDefinition:
    """Step lines on `terminal`, and a progress bar over `total_steps` when `bar` is allowed and
    `terminal` is a terminal (plain lines into a pipe or a file: nothing to redraw there)."""
    bar_total = total_steps if bar and total_steps and terminal.isatty() else None

    @dg.logger(description="one line per finished step, and a progress bar on a terminal, for the migrator CLI")
    def step_progress(_init_context) -> logging.Logger:
        log = logging.Logger("migrator.progress", level=logging.DEBUG)  # not registered globally
        log.addHandler(_StepLines(terminal, bar_total))
        return log

    return step_progress
