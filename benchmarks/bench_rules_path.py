"""Benchmark: the rules path (catalog -> plan -> drafts, no dbt, no LLM) at scale, and beside raw sqlglot.

    uv run python benchmarks/bench_rules_path.py [--objects 10000] [--rows-per-table 100]
                                                  [--samples DIR] [--no-generated] [--no-samples]

Two measurements, each estate in a process of its own (so each peak memory is that estate's):
- a generated estate of --objects objects (benchmarks/generate_estate.py): seconds per stage,
  objects per second, and the process's peak RSS;
- the six public sample estates (root: --samples, else MIGRATOR_SAMPLES, else
  /work/samples/samples/databases; absent estates are skipped): their views and procedures through
  the rules path, side by side with raw `sqlglot.transpile(body, read="tsql", write="postgres")`
  on the same objects' text, in the same process, on one core.

The rules path's objects per second divides the views and procedures by the whole path's time
(reading every object and the data, planning, drafting): a lower bound for translation alone,
which the `drafts` column gives separately.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_samples import DEFAULT_SAMPLES, ESTATES  # noqa: E402
from generate_estate import generate_estate  # noqa: E402

TRANSLATED_KINDS = ("view", "procedure")


# Modules the path imports on first use (the script reader, sqlglot's postgres dialect and
# optimizer, LangGraph's tracers): imported before the clock starts, as raw sqlglot's are, so
# that both sides are timed translating, not importing (with PYTHONDONTWRITEBYTECODE set, as
# here, every import compiles its module again)
FIRST_USE_IMPORTS = (
    "migrator_pipeline.catalog.scripts",
    "sqlglot.dialects.postgres",
    "sqlglot.dialects.tsql",
    "sqlglot.optimizer.annotate_types",
    "sqlglot.optimizer.canonicalize",
    "sqlglot.optimizer.qualify_columns",
    "sqlglot.optimizer.simplify",
    "langchain_core.tracers.context",
    "langchain_core.tracers.run_collector",
    "langchain_core.tracers.stdout",
)


def measure(location: Path) -> dict:
    """The rules path over one estate, then raw sqlglot over its views' and procedures' text."""
    import importlib

    import sqlglot

    from migrator_pipeline.agents.executor import draft_models
    from migrator_pipeline.catalog.sources import SourceSpec, read_source
    from migrator_pipeline.planning.planner import plan_migration

    for module in FIRST_USE_IMPORTS:
        importlib.import_module(module)

    cpu = [time.process_time()]
    started = time.perf_counter()
    catalog = read_source(SourceSpec(str(location)))
    catalogued = time.perf_counter()
    cpu.append(time.process_time())
    plan = plan_migration(catalog, "bench")
    planned = time.perf_counter()
    cpu.append(time.process_time())
    drafts = draft_models(plan, catalog, None)
    drafted = time.perf_counter()
    cpu.append(time.process_time())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    bodies = [o.body for o in catalog.objects if o.kind in TRANSLATED_KINDS and o.body]
    raw_ok = 0
    raw_started, raw_cpu_started = time.perf_counter(), time.process_time()
    for body in bodies:
        try:
            sqlglot.transpile(body, read="tsql", write="postgres")
            raw_ok += 1
        except Exception:  # noqa: BLE001 - raw sqlglot's failures are counted, not raised
            pass
    raw_seconds, raw_cpu = time.perf_counter() - raw_started, time.process_time() - raw_cpu_started
    return {
        "objects": len(catalog.objects),
        "views_and_procedures": len(bodies),
        "catalog_s": catalogued - started,
        "plan_s": planned - catalogued,
        "drafts_s": drafted - planned,
        "models": len(plan.models),
        "drafted": sum(1 for m in drafts.models if m.ok),
        "peak_rss_mb": peak_mb,
        "raw_sqlglot_s": raw_seconds,
        "path_cpu_s": cpu[3] - cpu[0],
        "catalog_cpu_s": cpu[1] - cpu[0],
        "plan_cpu_s": cpu[2] - cpu[1],
        "drafts_cpu_s": cpu[3] - cpu[2],
        "raw_sqlglot_cpu_s": raw_cpu,
        "raw_sqlglot_ok": raw_ok,
    }


def in_own_process(location: Path) -> dict:
    command = [sys.executable, __file__, "--measure", str(location)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "-"


def print_generated(counts: dict, result: dict) -> None:
    if "error" in result:
        print(f"generated estate {counts}: {result['error']}")
        return
    total = result["catalog_s"] + result["plan_s"] + result["drafts_s"]
    n = result["views_and_procedures"]
    print(f"generated estate: {counts}")
    print("| objects | catalog s | plan s | drafts s | total s (CPU s) | objects/s (per CPU s) "
          "| models drafted | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {result['objects']:,} | {result['catalog_s']:.1f} | {result['plan_s']:.1f} | {result['drafts_s']:.1f} "
          f"| {total:.1f} ({result['path_cpu_s']:.1f}) | {rate(result['objects'], total)} "
          f"({rate(result['objects'], result['path_cpu_s'])}) | {result['drafted']:,}/{result['models']:,} "
          f"| {result['peak_rss_mb']:,.0f} |")
    print(f"raw sqlglot on its {n:,} views and procedures: {rate(n, result['raw_sqlglot_s'])} objects/s "
          f"({rate(n, result['raw_sqlglot_cpu_s'])} per CPU s; {result['raw_sqlglot_ok']:,} transpiled)")


def print_samples(results: dict[str, dict]) -> None:
    """Rates per CPU second (both sides run on one core, one after the other): on a shared
    machine the wall clock measures the neighbours too; the wall seconds are given beside."""
    print("| estate | views + procedures | rules path CPU s (wall) | of which catalog / plan / drafts "
          "| rules path objects/s | raw sqlglot CPU s (wall) | raw sqlglot objects/s | raw sqlglot transpiled "
          "| ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals = {"n": 0, "path": 0.0, "path_wall": 0.0, "raw": 0.0, "raw_wall": 0.0, "ok": 0,
              "catalog": 0.0, "plan": 0.0, "drafts": 0.0}
    for name, r in results.items():
        if "error" in r:
            print(f"| {name} | {r['error']} | | | | | | | |")
            continue
        n, path, raw = r["views_and_procedures"], r["path_cpu_s"], r["raw_sqlglot_cpu_s"]
        path_wall = r["catalog_s"] + r["plan_s"] + r["drafts_s"]
        for key, value in (("n", n), ("path", path), ("path_wall", path_wall), ("raw", raw),
                           ("raw_wall", r["raw_sqlglot_s"]), ("ok", r["raw_sqlglot_ok"]),
                           ("catalog", r["catalog_cpu_s"]), ("plan", r["plan_cpu_s"]),
                           ("drafts", r["drafts_cpu_s"])):
            totals[key] += value
        stages = f"{r['catalog_cpu_s']:.2f} / {r['plan_cpu_s']:.2f} / {r['drafts_cpu_s']:.2f}"
        print(f"| {name} | {n} | {path:.2f} ({path_wall:.2f}) | {stages} | {rate(n, path)} | {raw:.2f} ({r['raw_sqlglot_s']:.2f}) "
              f"| {rate(n, raw)} | {r['raw_sqlglot_ok']} | {_ratio(path, raw)} |")
    if totals["n"]:
        stages = f"{totals['catalog']:.2f} / {totals['plan']:.2f} / {totals['drafts']:.2f}"
        print(f"| **all** | {totals['n']} | {totals['path']:.2f} ({totals['path_wall']:.2f}) | {stages} "
              f"| {rate(totals['n'], totals['path'])} | {totals['raw']:.2f} ({totals['raw_wall']:.2f}) "
              f"| {rate(totals['n'], totals['raw'])} | {totals['ok']} | {_ratio(totals['path'], totals['raw'])} |")
    print("ratio: the rules path's objects/s over raw sqlglot's (issue 11's goal: at least 0.5); "
          f"drafting alone: {rate(totals['n'], totals['drafts'])} objects/s, "
          f"{_ratio(totals['drafts'], totals['raw'])} of raw sqlglot's")


def _ratio(path_seconds: float, raw_seconds: float) -> str:
    return f"{raw_seconds / path_seconds:.2f}" if path_seconds > 0 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10000)
    parser.add_argument("--rows-per-table", type=int, default=100)
    parser.add_argument("--samples", type=Path, default=Path(os.environ.get("MIGRATOR_SAMPLES", DEFAULT_SAMPLES)),
                        help="root of microsoft/sql-server-samples' samples/databases (env MIGRATOR_SAMPLES)")
    parser.add_argument("--no-generated", action="store_true", help="skip the generated estate")
    parser.add_argument("--no-samples", action="store_true", help="skip the sample estates")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one estate, as JSON (the child)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    print(f"load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    if not args.no_generated:
        with tempfile.TemporaryDirectory(prefix="bench_rules_") as scratch:
            counts = generate_estate(Path(scratch), args.objects, args.rows_per_table)
            print_generated(counts, in_own_process(Path(scratch)))
        print(f"load after the generated estate: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    if not args.no_samples:
        present = {name: args.samples / path for name, path in ESTATES.items() if (args.samples / path).exists()}
        if not present:
            print(f"sample estates: none under {args.samples} (skipped)")
            return
        absent = sorted(set(ESTATES) - set(present))
        if absent:
            print(f"sample estates absent (skipped): {', '.join(absent)}")
        print_samples({name: in_own_process(location) for name, location in present.items()})
        print(f"load after the samples: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
