"""Materializing a partition the way the UI does: through a real `dagster dev` (webserver and
daemon, started by `migrator dev`) and Dagster's GraphQL API."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from dagster_graphql import DagsterGraphQLClient

from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.project_files import BUNDLED_EXAMPLE, ProjectFiles

pytestmark = pytest.mark.slow
MIGRATOR = os.path.join(os.path.dirname(sys.executable), "migrator")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dagster_dev(migrator_home, warehouse_url):
    port = _free_port()
    process = subprocess.Popen([MIGRATOR, "dev", "-p", str(port), "-h", "127.0.0.1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                os.killpg(process.pid, signal.SIGTERM)
                pytest.fail("dagster dev did not come up within 120 s")
            time.sleep(1)
    yield DagsterGraphQLClient("127.0.0.1", port_number=port)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)


def test_a_partition_materializes_from_the_webserver(dagster_dev):
    from migrator_pipeline.cli import prepare_instance

    ProjectFiles("from_ui").register(SourceSpec(str(BUNDLED_EXAMPLE)))
    instance = prepare_instance()  # the same instance the webserver serves
    if not instance.has_dynamic_partition("migration_projects", "from_ui"):
        instance.add_dynamic_partitions("migration_projects", ["from_ui"])
    run_id = dagster_dev.submit_job_execution("migrate_project", tags={"dagster/partition": "from_ui"})
    deadline = time.monotonic() + 300
    while (status := dagster_dev.get_run_status(run_id).value) not in ("SUCCESS", "FAILURE", "CANCELED"):
        assert time.monotonic() < deadline, "run did not finish within 300 s"
        time.sleep(1)
    assert status == "SUCCESS"
    assert ProjectFiles("from_ui").path("evaluation.json").exists()
