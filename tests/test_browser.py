"""The UI, checked in a real browser: headless Chromium (Debian's, never a downloaded one) drives
`migrator dev` on loopback (the session's shared `dagster_dev`): a migration launched from the
launchpad with its source in config, then its evaluation report and one generated model's
materialization and passed checks."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from test_source_config import tiny_estate

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
LOCATION = "migrator_pipeline.definitions"
PROJECT = "from_browser"
MODEL = "customernames"  # the tiny estate's view, whose rows are compared with SQL Server's


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _wait_for_run(client, run_id: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while (status := client.get_run_status(run_id).value) not in ("SUCCESS", "FAILURE", "CANCELED"):
        assert time.monotonic() < deadline, f"run {run_id} did not finish within {seconds:.0f} s"
        time.sleep(1)
    return status


def test_a_migration_launched_from_the_launchpad_shows_its_evidence(browser, dagster_dev, tmp_path):
    from migrator_pipeline.cli import prepare_instance

    source = tiny_estate(tmp_path / "tiny")
    instance = prepare_instance()  # the instance the webserver serves: the project's partition
    if not instance.has_dynamic_partition("migration_projects", PROJECT):
        instance.add_dynamic_partitions("migration_projects", [PROJECT])
    base = dagster_dev.url
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)

    def shot(name: str) -> None:
        page.screenshot(path=str(tmp_path / f"{name}.png"))

    # 1. the launchpad, past the community dialog
    page.goto(f"{base}/locations/{LOCATION}/jobs/migrate_project/playground")
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=15_000)
        skip.click()
    except Exception:  # shown once per browser profile and instance: not shown is fine
        pass
    # 2. the partition and the source in run config, then launch
    page.get_by_placeholder("Partition").fill(PROJECT)
    page.get_by_text(PROJECT, exact=True).last.click()
    config = f"ops:\n  source_catalog:\n    config:\n      source: {source}\n"
    page.locator(".CodeMirror").first.wait_for()
    page.evaluate("yaml => document.querySelector('.CodeMirror').CodeMirror.setValue(yaml)", config)
    page.get_by_text("No errors").wait_for()
    shot("1_launchpad")
    page.get_by_role("button", name="Launch Run").click()
    page.wait_for_url("**/runs/**")
    run_id = page.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    # 3. success, then the new project's models in the code location
    client = dagster_dev.client
    status = _wait_for_run(client, run_id, 300)
    shot("2_run")
    assert status == "SUCCESS", page.inner_text("body")[-3000:]
    # no reload here: the run's last step reloaded the code location, so the models are there
    # 4. the evaluation asset's report
    page.goto(f"{base}/assets/evaluation?partition={PROJECT}")
    page.get_by_text("Show Markdown").first.click()
    page.get_by_text(f"Migration evaluation: {PROJECT}").wait_for()
    assert page.get_by_text("verified by rows").first.is_visible()
    shot("3_evaluation_report")
    # 5. one generated model: its materialization (with rows) and its passed checks
    page.goto(f"{base}/assets/{PROJECT}/{MODEL}")
    page.get_by_text("Latest materialization").wait_for()
    assert page.get_by_text("Row count").first.is_visible()
    shot("4_model")
    page.goto(f"{base}/assets/{PROJECT}/{MODEL}?view=checks")
    page.get_by_text("rows_match_sql_server").first.wait_for()
    page.get_by_text("Passed").first.wait_for()
    shot("5_model_checks")
