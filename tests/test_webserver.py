"""Materializing a partition the way the UI does: through a real `dagster dev` (webserver and
daemon, started by `migrator dev`: the session's shared `dagster_dev`) and Dagster's GraphQL API."""

import time

import pytest

from migrator_pipeline.catalog.sources import SourceSpec
from migrator_pipeline.project_files import BUNDLED_EXAMPLE, ProjectFiles

pytestmark = pytest.mark.slow


def test_a_partition_materializes_from_the_webserver(dagster_dev):
    from migrator_pipeline.cli import prepare_instance

    ProjectFiles("from_ui").register(SourceSpec(str(BUNDLED_EXAMPLE)))
    instance = prepare_instance()  # the same instance the webserver serves
    if not instance.has_dynamic_partition("migration_projects", "from_ui"):
        instance.add_dynamic_partitions("migration_projects", ["from_ui"])
    client = dagster_dev.client
    run_id = client.submit_job_execution("migrate_project", tags={"dagster/partition": "from_ui"})
    deadline = time.monotonic() + 300
    while (status := client.get_run_status(run_id).value) not in ("SUCCESS", "FAILURE", "CANCELED"):
        assert time.monotonic() < deadline, "run did not finish within 300 s"
        time.sleep(1)
    assert status == "SUCCESS", dagster_dev.log_tail()
    assert ProjectFiles("from_ui").path("evaluation.json").exists()
