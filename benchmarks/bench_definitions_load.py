"""How long the code location takes to load, beside a bare `import dagster, dagster_dbt` measured
in the same run: with no project, and with PROJECTS migrated projects of MODELS dbt models each.

Each figure is the best of REPEAT fresh interpreters (imports are what is measured, so nothing is
warm in-process), as wall time and as the interpreter's CPU time (user + system), which other
processes' load changes far less than the wall time on a shared machine. The three cases take turns in each round, so that a burst of load from other
processes falls on all of them alike; the load average is printed with the figures. The projects'
manifests come from one real `dbt parse` of a generated project of MODELS models (each selecting
from the one before, a source at the start), copied into every project folder: asset keys are
prefixed per project, so they never collide.

Python compiles each module's source the first time and keeps the bytecode (.pyc) for the next
import, unless PYTHONDONTWRITEBYTECODE is set: then every process compiles every module it imports,
and import times grow with the lines imported. By default the cases run in the environment as it
is. With --bytecode they run as on a user's machine or in the Docker image (which compiles at
install): an untimed first round writes the bytecode into a scratch PYTHONPYCACHEPREFIX, and the
timed rounds read it.

    uv run python benchmarks/bench_definitions_load.py [--projects 20] [--models 100] [--repeat 3] [--bytecode]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DBT = Path(sys.executable).parent / "dbt"
PROFILES = """bench:
  target: dev
  outputs:
    dev: {type: postgres, host: localhost, port: 5432, user: bench, password: bench, dbname: bench, schema: bench, threads: 1}
"""


def generate_dbt_project(folder: Path, models: int) -> Path:
    """A dbt project of `models` chained models and a source, parsed once; returns its manifest."""
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text("name: bench\nversion: '1.0'\nprofile: bench\nmodel-paths: [models]\n")
    (folder / "profiles.yml").write_text(PROFILES)
    (folder / "models" / "sources.yml").write_text(
        "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: customers\n")
    tests = ["version: 2", "models:"]
    for index in range(models):
        upstream = "{{ source('raw', 'customers') }}" if index == 0 else f"{{{{ ref('model_{index - 1:03d}') }}}}"
        (folder / "models" / f"model_{index:03d}.sql").write_text(f"select id, name from {upstream}\n")
        tests += [f"  - name: model_{index:03d}", "    columns:", "      - name: id",
                  "        data_tests: [not_null]"]
    (folder / "models" / "models.yml").write_text("\n".join(tests) + "\n")
    subprocess.run([str(DBT), "parse", "--project-dir", str(folder), "--profiles-dir", str(folder)],
                   check=True, capture_output=True, timeout=600)
    return folder / "target" / "manifest.json"


def migrator_home_with(projects: int, manifest: Path, home: Path) -> Path:
    for index in range(projects):
        target = home / "projects" / f"bench_{index:02d}" / "dbt" / "target"
        target.mkdir(parents=True)
        shutil.copy(manifest, target / "manifest.json")
    return home


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds on the clock
    cpu: float  # the interpreter's user + system CPU seconds: what other processes' load changes least


def timed(code: str, home: Path, bytecode: Path | None = None) -> Timing:
    env = {**os.environ, "MIGRATOR_HOME": str(home)}
    if bytecode is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, timeout=600)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Timing(wall, cpu_after.ru_utime - cpu_before.ru_utime + cpu_after.ru_stime - cpu_before.ru_stime)


def best_interleaved(cases: dict[str, tuple[str, Path]], repeat: int, bytecode: Path | None = None
                     ) -> dict[str, Timing]:
    """The best of `repeat` rounds per case (wall and CPU each), the cases taking turns within each
    round: on a shared machine a burst of load then falls on every case alike, not on one of them.
    With a `bytecode` folder, an untimed round first writes every case's bytecode there."""
    if bytecode is not None:
        for code, home in cases.values():
            timed(code, home, bytecode)
    timings: dict[str, list[Timing]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, (code, home) in cases.items():
            timings[name].append(timed(code, home, bytecode))
    return {name: Timing(min(t.wall for t in values), min(t.cpu for t in values)) for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bytecode", action="store_true",
                        help="import from compiled bytecode (a scratch PYTHONPYCACHEPREFIX) as a user's machine does")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        manifest = generate_dbt_project(scratch / "dbt_project", args.models)
        empty = scratch / "empty_home"
        empty.mkdir()
        full = migrator_home_with(args.projects, manifest, scratch / "full_home")
        load = "import migrator_pipeline.definitions as d; d.defs.resolve_asset_graph()"
        before = os.getloadavg()
        best = best_interleaved({"bare": ("import dagster, dagster_dbt", empty), "none": (load, empty),
                                 "many": (load, full)}, args.repeat, scratch / "bytecode" if args.bytecode else None)
        after = os.getloadavg()
    bare, none, many = best["bare"], best["none"], best["many"]
    print(f"{'':44} {'wall':>8} {'above bare':>11} {'CPU':>8} {'above bare':>11}")
    for label, timing in (("bare `import dagster, dagster_dbt`", bare), ("definitions, no project", none),
                          (f"definitions, {args.projects} projects x {args.models} models", many)):
        print(f"{label:44} {timing.wall:7.2f}s {timing.wall - bare.wall:+10.2f}s "
              f"{timing.cpu:7.2f}s {timing.cpu - bare.cpu:+10.2f}s")
    compiled = "from bytecode written by a first round" if args.bytecode else (
        "compiling every import" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "with the bytecode Python keeps")
    print(f"best of {args.repeat}, interleaved, {compiled}; load average (1 min) {before[0]:.2f} at the start, "
          f"{after[0]:.2f} at the end, on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
