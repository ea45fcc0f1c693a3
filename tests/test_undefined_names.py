"""Names the package uses and never defines, and imports it never uses: what a merge or a move
between modules leaves behind, caught before a test happens to run the line (pyflakes)."""

import subprocess
import sys

from migrator_pipeline.settings import REPO_ROOT


def test_pyflakes_finds_nothing_in_the_package_and_the_benchmarks():
    result = subprocess.run([sys.executable, "-m", "pyflakes", "migrator_pipeline", "benchmarks"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
