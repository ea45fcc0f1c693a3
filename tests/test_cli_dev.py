"""`migrator dev` stops on SIGTERM or Ctrl-C within seconds, with everything it started, even when
its database has gone away (then Dagster's own shutdown never finishes)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow
MIGRATOR = os.path.join(os.path.dirname(sys.executable), "migrator")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _group(pgid: int) -> list[int]:
    from migrator_pipeline.child_processes import _group_members

    return _group_members(pgid)


def _wait_until_served(port: int, dev: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert dev.poll() is None, "migrator dev ended on its own"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError("the webserver did not answer")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_dev_stops_with_everything_it_started_when_its_database_is_gone(tmp_path, signum):
    home = tmp_path / "home"
    env = {**os.environ, "MIGRATOR_HOME": str(home)}
    for name in ("MIGRATOR_WAREHOUSE_URL", "MIGRATOR_DAGSTER_STORAGE_URL", "DAGSTER_HOME"):
        env.pop(name, None)
    port = _free_port()
    dev = subprocess.Popen([MIGRATOR, "dev", "-p", str(port), "-h", "127.0.0.1"], env=env, cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_served(port, dev)
        assert len(_group(dev.pid)) >= 3  # dagster dev, its webserver, its daemon (and code servers)
        # where migrations find the webserver to reload the code location (defs/code_location.py)
        record = home / "dagster" / "webserver.json"
        assert json.loads(record.read_text()) == {"host": "127.0.0.1", "port": port,
                                                  "location": "migrator_pipeline.definitions"}
        # the database goes away under it: the server stops and its data folder is gone
        subprocess.run([MIGRATOR, "stop"], env=env, check=True, capture_output=True, timeout=60)
        shutil.rmtree(home / "pgdata")
        time.sleep(2)
        started = time.monotonic()
        dev.send_signal(signum)
        dev.wait(timeout=30)
        assert time.monotonic() - started < 30  # 8 s for Dagster to stop itself, then it is ended
        assert _group(dev.pid) == []
        assert not record.exists()
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
