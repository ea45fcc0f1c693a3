"""The package's structure, checked from its own source: imports run one way, from `tsql/` at the
bottom to `defs/` on top, with no import cycle, and no module over 600 lines without a reason.

Every import counts, at module level or inside a function (a function-level import still runs
upwards, it only hides the edge). The allow-lists hold what is known to break a rule today and is
being removed by another change; each entry names that change. Delete an entry when its change
lands: a test below fails on an entry that no longer matches anything, saying which one.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

PACKAGE = "migrator_pipeline"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# Bottom first. A module may import from its own package (folder) or from a lower layer; packages
# that share a layer are independent of each other. A top-level module is placed by its name.
LAYERS: list[set[str]] = [
    {PACKAGE, "atomic_files", "error_text", "child_processes", "home", "serialisation"},  # plumbing
    {"tsql"},
    {"catalog"},
    {"planning", "assessment", "warehouse"},
    # settings resolves the warehouse (the embedded server's URL) and the project folders;
    # drafts.py holds the translation's results, read by dbt_project/, agents/ and evaluation/
    {"settings", "drafts"},
    {"fingerprints"},  # content hashes of inputs and steps' records, read by the steps' code above
    {"dbt_project"},
    {"agents"},
    {"evaluation", "usage", "project_files"},
    {"defs", "cli_progress", "runs_api"},  # the Dagster shell: definitions, the CLI's run logging and GraphQL client
    {"definitions", "cli"},  # entry points: the Dagster code location and the command line
]

# (importer, imported) module pairs that break the direction today.
KNOWN_UPWARD_IMPORTS: dict[tuple[str, str], str] = {}
# (importer, imported) pairs left out of the cycle check: the edge that closes a known cycle.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}
# Modules over 600 lines without a reason at their top, being split.
KNOWN_LONG_MODULES: dict[str, str] = {}
MAX_LINES = 600
REASON = "over 600 lines:"  # e.g. `(Over 600 lines: the type facts and their resolver belong together.)`
REASON_WITHIN_LINES = 5


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imported(node: ast.AST, importer: str, is_package: bool) -> list[str]:
    """The names an import statement may refer to: `from a import b` may import module a.b."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: from the importer's package, one level up per extra dot
        package = importer.split(".")[: len(importer.split(".")) - node.level + (1 if is_package else 0)]
        base = ".".join(package + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def import_graph() -> dict[str, set[str]]:
    """Each module of the package -> the modules of the package it imports."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        graph[name] = {target for node in ast.walk(tree) for target in _imported(node, name, is_package)
                       if target in modules and target != name}
    return graph


def _layer_of(module: str) -> tuple[int, str]:
    """The layer index of a module, and the package (or top-level module) it is placed by."""
    parts = module.split(".")
    place = parts[1] if len(parts) > 1 else PACKAGE
    for index, layer in enumerate(LAYERS):
        if place in layer:
            return index, place
    raise AssertionError(f"{module}: {place} is in no layer; place it in LAYERS in {Path(__file__).name}")


def upward_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """(importer, imported) pairs that run up the layers, or sideways between independent packages."""
    wrong = set()
    for importer, targets in graph.items():
        importer_layer, importer_place = _layer_of(importer)
        for target in targets:
            target_layer, target_place = _layer_of(target)
            if target_place != importer_place and target_layer >= importer_layer:
                wrong.add((importer, target))
    return wrong


def test_every_module_is_placed_in_a_layer():
    for module in import_graph():
        _layer_of(module)


def test_imports_run_down_the_layers():
    unexpected = upward_imports(import_graph()) - set(KNOWN_UPWARD_IMPORTS)
    assert not unexpected, "imports that run up (or sideways between packages of one layer):\n" + "\n".join(
        f"  {importer} -> {target}" for importer, target in sorted(unexpected))


def test_no_import_cycle():
    graph = {module: targets - {t for (m, t) in KNOWN_CYCLE_EDGES if m == module}
             for module, targets in import_graph().items()}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        raise AssertionError("import cycle: " + " -> ".join(error.args[1])) from None


def _over_limit_without_reason() -> set[str]:
    found = set()
    for path in ROOT.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        head = "\n".join(lines[:REASON_WITHIN_LINES]).lower()
        if len(lines) > MAX_LINES and REASON not in head:
            found.add(path.relative_to(ROOT).as_posix())
    return found


def test_no_module_over_600_lines_without_a_reason_at_its_top():
    unexpected = _over_limit_without_reason() - set(KNOWN_LONG_MODULES)
    assert not unexpected, (f"modules over {MAX_LINES} lines: split them, or say why in their first "
                            f"{REASON_WITHIN_LINES} lines ('Over 600 lines: <reason>'): {sorted(unexpected)}")


def test_the_allow_lists_hold_only_what_is_still_true():
    """An entry whose change has landed must go, so the rule holds again for that module."""
    graph = import_graph()
    stale = [f"KNOWN_UPWARD_IMPORTS {pair} ({change})" for pair, change in KNOWN_UPWARD_IMPORTS.items()
             if pair[1] not in graph.get(pair[0], set())]
    stale += [f"KNOWN_CYCLE_EDGES {pair} ({change})" for pair, change in KNOWN_CYCLE_EDGES.items()
              if pair[1] not in graph.get(pair[0], set())]
    long_now = _over_limit_without_reason()
    stale += [f"KNOWN_LONG_MODULES {path} ({change})" for path, change in KNOWN_LONG_MODULES.items()
              if path not in long_now]
    assert not stale, "remove these entries from tests/test_layers.py, their change has landed:\n" + "\n".join(stale)


def test_the_check_sees_an_upward_import():
    """The walk itself: a function-level import from a lower layer to a higher one is found."""
    graph = {"migrator_pipeline.tsql.x": {"migrator_pipeline.defs.assets"},
             "migrator_pipeline.defs.assets": {"migrator_pipeline.tsql.x"}}
    assert upward_imports(graph) == {("migrator_pipeline.tsql.x", "migrator_pipeline.defs.assets")}
    tree = ast.parse("def f():\n    from migrator_pipeline.defs import assets\n")
    assert [t for node in ast.walk(tree) for t in _imported(node, "migrator_pipeline.tsql.x", False)] == [
        "migrator_pipeline.defs", "migrator_pipeline.defs.assets"]
