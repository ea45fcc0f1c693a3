"""What a dbt command costs before dbt starts (issue 11): dagster-dbt's in-process adapter is
not built. The override rests on a private name of dagster-dbt 0.29: this test fails loudly
when a new dagster-dbt renames it (then the set-up silently costs seconds again)."""

from __future__ import annotations

import inspect

from dagster_dbt import DbtCliResource

from migrator_pipeline.defs.resources import DbtCliWithoutAdapter, dbt_cli


def test_dagster_dbt_builds_its_adapter_through_the_method_we_override(tmp_path):
    assert "self._initialize_dbt_core_adapter(" in inspect.getsource(DbtCliResource.cli), (
        "dagster-dbt no longer builds its adapter in `_initialize_dbt_core_adapter`: update DbtCliWithoutAdapter")
    (tmp_path / "dbt_project.yml").write_text("name: p\nprofile: p\n", encoding="utf-8")
    (tmp_path / "profiles.yml").write_text("p: {}\n", encoding="utf-8")
    cli = dbt_cli(tmp_path)
    assert isinstance(cli, DbtCliWithoutAdapter)
    assert cli._initialize_dbt_core_adapter(["build"]) is None  # nothing loaded, no profile read
