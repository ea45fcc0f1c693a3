"""The end-to-end and rules-path benchmarks' own parts (the benchmarks themselves are never run
as tests: they take minutes): the one-view change, the profile's counting, and the rules path's
measurement on a tiny generated estate."""

from __future__ import annotations

import importlib.util
import sys

from migrator_pipeline.settings import REPO_ROOT


def _load(name: str):
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


end_to_end = _load("bench_end_to_end")
rules_path = _load("bench_rules_path")


def test_one_view_changed_is_exactly_one_view(tmp_path):
    end_to_end.generate_estate(tmp_path, objects=10, rows_per_table=2)
    views = tmp_path / "03_views.sql"
    before = views.read_text(encoding="utf-8").split("GO\n")
    end_to_end.change_one_view(views)
    after = views.read_text(encoding="utf-8").split("GO\n")
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1
    assert f"CREATE VIEW dbo.{end_to_end.CHANGED_VIEW}" in changed[0][1]
    assert "WHERE c.Amount >= 0" in changed[0][1]


def test_profile_counts_functions_not_lines_and_each_once_per_stack():
    stacks = ("process 1:\"migrator\";main (cli.py:10);build (resources.py:5) 3\n"
              "process 1:\"migrator\";main (cli.py:12);walk (x.py:1);walk (x.py:2) 2\n"
              "not a stack line\n")
    inclusive, own, total = end_to_end.profile_counts(stacks)
    assert total == 5
    assert inclusive["main (cli.py)"] == 5
    assert inclusive["walk (x.py)"] == 2
    assert own == {"build (resources.py)": 3, "walk (x.py)": 2}


def test_rules_path_measures_a_tiny_generated_estate(tmp_path):
    counts = end_to_end.generate_estate(tmp_path, objects=10, rows_per_table=2)
    result = rules_path.measure(tmp_path)
    assert result["views_and_procedures"] == counts["views"] + counts["procedures"]
    assert result["objects"] == counts["tables"] + counts["views"] + counts["procedures"] + counts["target_tables"]
    assert result["drafted"] == result["models"] > 0
    assert result["raw_sqlglot_ok"] == result["views_and_procedures"]
    assert result["peak_rss_mb"] > 0
