"""Benchmark: `migrator migrate` end to end on a generated estate, against dbt's own floor.

    uv run python benchmarks/bench_end_to_end.py [--objects 1000] [--rows-per-table 100]
        [--profile STACKS [--profile-run first|one-view]] [--no-bytecode-cache]

Under a fresh MIGRATOR_HOME (its own embedded PostgreSQL), in this process's tree, it times:
- the first `migrator migrate` run of the generated estate;
- the dbt floor: `dbt build --threads 4` alone on the project the first run generated, with the
  connection settings the product hands dbt (`migrator env --project`);
- the same migration again, nothing changed;
- the migration again after one view's text changed.
It prints seconds, the ratios issue 11 sets goals for, each run's steps (from the Dagster run's
step stats), the peak memory of the first run's process tree and the machine's load average.
The embedded server is started before the first run and timed on its own. No LLM: the runs
are rules alone, whatever the environment says. Python keeps compiled modules in a cache of the
scratch folder, as an ordinary install does (this machine's PYTHONDONTWRITEBYTECODE would make
every process compile every module it imports: a third of a one-view re-run's CPU);
`--no-bytecode-cache` measures as the environment says.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_estate import generate_estate  # noqa: E402

PROJECT = "bench"
BIN = Path(sys.executable).parent
# settings of the caller's environment that would point the runs elsewhere or turn the LLM on
CLEARED = ("MIGRATOR_WAREHOUSE_URL", "MIGRATOR_DAGSTER_STORAGE_URL", "DAGSTER_HOME", "MIGRATOR_LLM_ENABLED",
           "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "MIGRATOR_DEBUG")
CHANGED_VIEW = "vw_Report0000"


@dataclass
class Timed:
    """One timed command: wall seconds, exit status, peak RSS of its process tree (sampled)."""

    label: str
    seconds: float
    returncode: int
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0  # user + system of the command's whole tree (dbt included)
    server_cpu_seconds: float = 0.0  # user + system of the embedded PostgreSQL meanwhile
    load: str = ""
    steps: dict[str, float] = field(default_factory=dict)
    output: str = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--rows-per-table", type=int, default=100)
    parser.add_argument("--workdir", type=Path, help="keep the estate, home and logs here (default: a temporary folder)")
    parser.add_argument("--profile", type=Path, metavar="STACKS",
                        help="only the first run, sampled by py-spy (`uvx py-spy`, every process of the "
                             "tree) into this file of collapsed stacks; prints the top functions")
    parser.add_argument("--profile-run", choices=("first", "one-view"), default="first",
                        help="with --profile: which run py-spy samples (one-view: the first run unsampled, "
                             "then the re-run after one view changed)")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="run as this machine's environment says (PYTHONDONTWRITEBYTECODE, a venv without "
                             ".pyc): every process compiles every module it imports")
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        run(args, args.workdir.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="bench_e2e_") as scratch:
            run(args, Path(scratch))


def run(args, scratch: Path) -> None:
    estate, home = scratch / "estate", scratch / "home"
    shutil.rmtree(home, ignore_errors=True)
    counts = generate_estate(estate, args.objects, args.rows_per_table)
    size_mb = sum(f.stat().st_size for f in estate.iterdir()) / 1e6
    env = {k: v for k, v in os.environ.items() if k not in CLEARED} | {"MIGRATOR_HOME": str(home)}
    if not args.no_bytecode_cache:
        # as an ordinary Python install does: each module compiled once (the first run pays it), kept
        # under the scratch folder, not in the venv
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    print(f"estate: {counts} ({size_mb:.1f} MB of scripts); MIGRATOR_HOME={home}; bytecode cache: "
          f"{env.get('PYTHONPYCACHEPREFIX', 'none')}", flush=True)
    print(f"load before: {load_average()}", flush=True)
    migrate = [str(BIN / "migrator"), "migrate", str(estate), "--project", PROJECT]
    results: list[Timed] = []
    try:
        results.append(timed("embedded server start", [str(BIN / "migrator"), "warehouse-url"], env, scratch))
        server = postmaster(home)
        sampled = migrate
        if args.profile:
            sampled = ["uvx", "py-spy", "record", "--subprocesses", "--nonblocking", "--rate", "20",
                       "--format", "raw", "-o", str(args.profile.resolve()), "--", str(BIN / "python"),
                       "-m", "migrator_pipeline.cli", *migrate[1:]]
        first_command = sampled if args.profile_run == "first" else migrate
        first = timed("first run", first_command, env, scratch, server, sample_memory=True)
        results.append(first)
        check(first)
        if args.profile:
            profiled = first
            if args.profile_run == "one-view":
                change_one_view(estate / "03_views.sql")
                profiled = check(timed("one view changed", sampled, env, scratch, server))
            profiled.steps = step_seconds(env | exports(env), profiled)
            print_profile(args.profile)
            print(profiled.steps)
            return
        dbt_env = env | exports(env)
        dbt_dir = home / "projects" / PROJECT / "dbt"
        # its own target folder: the floor must not leave its parse (of the YAML as the evaluator typed
        # it) as the partial parse and manifest the next runs start from
        results.append(timed("dbt floor", [str(BIN / "dbt"), "build", "--threads", "4", "--project-dir", str(dbt_dir),
                                           "--profiles-dir", str(dbt_dir), "--target-path",
                                           str(scratch / "floor_target")], dbt_env, scratch, server))
        results.append(check(timed("unchanged re-run", migrate, env, scratch, server)))
        change_one_view(estate / "03_views.sql")
        results.append(check(timed("one view changed", migrate, env, scratch, server)))
        for result in results:
            if result.label != "dbt floor" and result.label != "embedded server start":
                result.steps = step_seconds(dbt_env, result)
    finally:
        subprocess.run([str(BIN / "migrator"), "stop"], env=env, capture_output=True, check=False)
    report(results, first)


def timed(label: str, command: list[str], env: dict, scratch: Path, server=None,
          sample_memory: bool = False) -> Timed:
    """Run `command`, its output to a log file; wall time, CPU time of its tree and of the
    server and, when asked, the peak RSS summed over its whole process tree (dbt runs in
    subprocesses), sampled every 0.2 s. On a shared machine CPU seconds say more than wall."""
    log = scratch / f"{label.replace(' ', '_')}.log"
    print(f"{label}: {' '.join(command)}", flush=True)
    with log.open("w") as out:
        cpu_before, server_before = children_cpu(), process_cpu(server)
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=scratch)
        peak = [0.0]
        sampler = threading.Thread(target=sample_tree_rss, args=(process, peak), daemon=True)
        if sample_memory:
            sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - started
    if sample_memory:
        sampler.join()
    result = Timed(label, seconds, returncode, peak[0] / 1e6, children_cpu() - cpu_before,
                   process_cpu(server) - server_before, load_average(), output=log.read_text())
    print(f"  {seconds:.1f} s ({result.cpu_seconds:.1f} s CPU, server {result.server_cpu_seconds:.1f} s CPU), "
          f"exit {returncode}, load {result.load}", flush=True)
    return result


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def postmaster(home: Path):
    """The embedded PostgreSQL's postmaster (its pid is postmaster.pid's first line), or None."""
    try:
        import psutil

        return psutil.Process(int((home / "pgdata" / "postmaster.pid").read_text().split()[0]))
    except (ImportError, OSError, ValueError, IndexError):
        return None


def process_cpu(process) -> float:
    """CPU seconds of a process and of its children that ended (the server's backends)."""
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def sample_tree_rss(process: subprocess.Popen, peak: list[float]) -> None:
    try:
        import psutil
    except ImportError:
        return
    try:
        root = psutil.Process(process.pid)
    except psutil.NoSuchProcess:
        return
    while process.poll() is None:
        total = 0
        try:
            for member in [root, *root.children(recursive=True)]:
                try:
                    total += member.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            break
        peak[0] = max(peak[0], total)
        time.sleep(0.2)


def check(result: Timed) -> Timed:
    if result.returncode != 0:
        tail = "\n".join(result.output.splitlines()[-15:])
        raise SystemExit(f"{result.label} failed (exit {result.returncode}):\n{tail}")
    return result


def exports(env: dict) -> dict[str, str]:
    """The environment `migrator env --project` gives dbt: the same profile and role the product uses."""
    import shlex

    out = subprocess.run([str(BIN / "migrator"), "env", "--project", PROJECT], env=env, capture_output=True,
                         text=True, check=True).stdout
    pairs = {}
    for line in out.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        pairs[name] = shlex.split(value)[0] if value else ""
    return pairs


def change_one_view(views: Path) -> None:
    """A different filter in one view: its model, and only it, has new SQL."""
    text = views.read_text(encoding="utf-8")
    start = text.index(f"CREATE VIEW dbo.{CHANGED_VIEW}")
    end = text.index("GO\n", start)
    body = re.sub(r"WHERE c\.Amount > \d+", "WHERE c.Amount >= 0", text[start:end])
    if body == text[start:end]:
        raise SystemExit(f"the generator's {CHANGED_VIEW} has no filter to change: update change_one_view")
    views.write_text(text[:start] + body + text[end:], encoding="utf-8")


def step_seconds(dbt_env: dict, result: Timed) -> dict[str, float]:
    """Each step's wall seconds in the run, from Dagster's step stats on the benchmark's instance."""
    match = re.findall(r"\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b", result.output)
    if not match:
        return {}
    code = ("import json, sys\nfrom dagster import DagsterInstance\n"
            "stats = DagsterInstance.get().get_run_step_stats(sys.argv[1])\n"
            "print(json.dumps({s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in stats}))")
    out = subprocess.run([str(BIN / "python"), "-c", code, match[0]], env=dbt_env, capture_output=True, text=True)
    if out.returncode != 0:
        return {}
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def profile_counts(stacks: str) -> tuple[Counter, Counter, int]:
    """Samples per function on the stack (inclusive) and at its top (self), and the total, from
    py-spy's collapsed stacks: `frame;frame;... count` per line. A frame is a function: its
    line number is dropped, and a function on the stack twice counts once."""
    inclusive, own, total = Counter(), Counter(), 0
    for line in stacks.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or not stack:
            continue
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        total += int(count)
        inclusive.update(dict.fromkeys(frames, int(count)))
        own[frames[-1]] += int(count)
    return inclusive, own, total


def print_profile(stacks: Path, top: int = 25) -> None:
    inclusive, own, total = profile_counts(stacks.read_text(encoding="utf-8", errors="replace"))
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"\ntop {top} functions by {title} samples (of {total}):")
        for frame, count in counter.most_common(top):
            print(f"{count:8d} {count / total:6.1%}  {frame[:160]}")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def cpu(result: Timed) -> str:
    return f"{result.cpu_seconds:.0f} + {result.server_cpu_seconds:.0f}"


def report(results: list[Timed], first: Timed) -> None:
    by = {r.label: r for r in results}
    floor = by["dbt floor"].seconds
    print()
    print("| run | seconds | ratio | goal (issue 11) | CPU s (tree + server) | load (1/5/15 min) |")
    print("|---|---:|---:|---|---:|---|")
    print(f"| embedded server start | {by['embedded server start'].seconds:.1f} | | | | {by['embedded server start'].load} |")
    print(f"| `migrator migrate`, first run | {first.seconds:.1f} | {first.seconds / floor:.2f}× the floor "
          f"| ≤ 1.5× | {cpu(first)} | {first.load} |")
    for label, goal in (("unchanged re-run", "≤ 0.2×"), ("one view changed", "≤ 0.1×")):
        if label in by:
            r = by[label]
            print(f"| `migrator migrate` again, {label} | {r.seconds:.1f} | {r.seconds / first.seconds:.2f}× the first "
                  f"run | {goal} | {cpu(r)} | {r.load} |")
    print(f"| `dbt build --threads 4` alone (the floor) | {floor:.1f} | 1 | | {cpu(by['dbt floor'])} "
          f"| {by['dbt floor'].load} |")
    print()
    print(f"peak RSS of the first run's process tree (sampled every 0.2 s): {first.peak_rss_mb:,.0f} MB "
          f"(goal < 1 GB; the embedded PostgreSQL server, started before it, is not in the tree)")
    steps = [r for r in results if r.steps]
    if steps:
        names = list(steps[0].steps)
        print()
        print("| step | " + " | ".join(r.label for r in steps) + " |")
        print("|---|" + "---:|" * len(steps))
        for name in names:
            print(f"| {name} | " + " | ".join(f"{r.steps.get(name, 0):.1f}" for r in steps) + " |")
        print("| outside the steps (start-up, imports, Dagster) | "
              + " | ".join(f"{r.seconds - sum(r.steps.values()):.1f}" for r in steps) + " |")


if __name__ == "__main__":
    main()
