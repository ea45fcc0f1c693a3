"""Processes a CLI run starts (dbt, above all) end with it, even when it is killed with SIGKILL.

The run leads its own process group, which every child inherits. A small watcher process reads
a pipe whose only writer is the run: the pipe ends when the run ends, in whatever way. A run that
ends normally says so first (a byte, at exit); one that does not (SIGKILL, SIGTERM) is followed by
the watcher killing its group. A signal cannot do this, since SIGKILL reaches only its target.
The group is not killed after a normal end because, started from an interactive shell, it is the
shell's job and may hold the other commands of a pipeline (`migrator ... | tee log`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal


def tie_children_to_this_process() -> None:
    """Call once, early, before any thread starts (it forks)."""
    group = os.getpid()
    own_group = os.getpgrp() == group  # an interactive shell already gave the command its group
    read_end, write_end = os.pipe()  # not inherited by exec'd children, so only this process holds it
    if os.fork() == 0:
        os.close(write_end)
        _watch(read_end, group, forward_interrupts=not own_group)
    os.close(read_end)
    atexit.register(_say_ended_normally, write_end, group)
    if not own_group:
        os.setpgid(0, 0)


def _say_ended_normally(write_end: int, group: int) -> None:
    if os.getpid() == group:  # not in a forked child, which inherits this exit hook
        with contextlib.suppress(OSError):
            os.write(write_end, b".")


def _watch(read_end: int, group: int, forward_interrupts: bool) -> None:
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):  # never keep the run's output pipes open after it ends
            os.dup2(devnull, stream)
        # The watcher stays in the caller's process group. When the run moved to a group of its
        # own, a Ctrl-C at the terminal reaches only the watcher: pass it on to the run.
        handler = (lambda signum, _frame: _signal_group(group, signum)) if forward_interrupts else signal.SIG_IGN
        signal.signal(signal.SIGINT, handler)
        ended_normally = False
        while os.read(read_end, 1):
            ended_normally = True
        if not ended_normally:
            _signal_group(group, signal.SIGKILL)  # the run was killed: end what it left behind
    finally:
        os._exit(0)


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


def run_until_stopped(command: list[str], grace_seconds: float = 8.0) -> int:
    """Run a command that starts a tree of processes (`dagster dev`) until it ends, or until this
    process is asked to stop (SIGINT, SIGTERM). Asked to stop, the command gets SIGINT; whatever
    of the tree is left after `grace_seconds` is ended: servers whose database went away may never
    finish shutting down on their own. The tree is this process's group, so call
    tie_children_to_this_process first."""
    import subprocess
    import time

    process = subprocess.Popen(command)
    stop_requested: list[float] = []

    def request_stop(_signum, _frame) -> None:
        if not stop_requested:
            stop_requested.append(time.monotonic())
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while process.poll() is None:
        if stop_requested and time.monotonic() - stop_requested[0] > grace_seconds:
            break
        time.sleep(0.2)
    _end_group_members()
    process.wait()
    return 0 if stop_requested else process.returncode


def _end_group_members(patience_seconds: float = 2.0) -> None:
    """SIGTERM every other process of this group, then SIGKILL those still there."""
    import time

    for signum in (signal.SIGTERM, signal.SIGKILL):
        members = _group_members(os.getpgrp())
        for pid in members:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signum)
        deadline = time.monotonic() + patience_seconds
        while members and time.monotonic() < deadline:
            time.sleep(0.1)
            members = _group_members(os.getpgrp())
        if not members:
            return


def _group_members(pgid: int) -> list[int]:
    """The live processes of a process group, this one left out (Linux: read from /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:  # state, ppid, pgrp
            members.append(int(entry))
    return members
