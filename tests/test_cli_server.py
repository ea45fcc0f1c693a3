"""The embedded server's lifetime never depends on the command that started it."""

import os
import subprocess
import sys

import psycopg2
import pytest

MIGRATOR = os.path.join(os.path.dirname(sys.executable), "migrator")


def _migrator(home, *args):
    env = {**os.environ, "MIGRATOR_HOME": str(home)}
    env.pop("MIGRATOR_WAREHOUSE_URL", None)
    return subprocess.run([MIGRATOR, *args], env=env, capture_output=True, text=True, timeout=120)


def test_warehouse_url_leaves_the_server_running_until_stop(tmp_path):
    home = tmp_path / "home"
    result = _migrator(home, "warehouse-url")
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert url.startswith("postgresql://postgres:@/warehouse?host=/")
    # the command has exited; the server it started still answers
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select current_database()")
        assert cur.fetchone() == ("warehouse",)
    conn.close()
    assert _migrator(home, "warehouse-url").stdout.strip() == url  # same server, not a new one
    stop = _migrator(home, "stop")
    assert stop.stdout.strip() == "stopped the embedded PostgreSQL"
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(url, connect_timeout=3)
    assert _migrator(home, "stop").stdout.strip() == "the embedded PostgreSQL was not running"
