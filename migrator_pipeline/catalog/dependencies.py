"""Checks over a catalog's dependency graph: references to missing objects, and cycles.

Edges are an object's `reads`, `writes` and `calls` (object keys). A reference is missing
when no catalog object has its key; temp tables, table variables and CTEs never reach
these lists (`statement_dependencies` leaves them out). System objects (`sys.*`,
`INFORMATION_SCHEMA.*`, `sp_*`/`xp_*` procedures) and XML data type methods are not
part of any estate, so they are not reported; nor are a trigger's `inserted`/`deleted`.
Order and cycles come from the standard library's `graphlib` (networkx for the cycles' members).
"""

from __future__ import annotations

import graphlib
import heapq
from collections.abc import Iterable, Mapping

from migrator_pipeline.catalog.model import Catalog, Finding, SourceObject

_SYSTEM_SCHEMAS = frozenset({"sys", "information_schema"})
_SYSTEM_PREFIXES = ("sp_", "xp_", "fn_my")  # fn_my...: sys.fn_my_permissions and friends
_TRIGGER_TABLES = frozenset({"dbo.inserted", "dbo.deleted"})  # a trigger's pseudo tables
_XML_METHODS = frozenset({"value", "query", "nodes", "exist", "modify"})


def dependency_findings(catalog: Catalog) -> list[Finding]:
    """A warning per missing reference (per object and name) and per dependency cycle."""
    findings = [
        Finding("warning", f"{obj.source} references {name}, which is not in the catalog", obj.file, obj.line, obj.source)
        for obj, name in missing_references(catalog)
    ]
    by_source = {obj.source: obj for obj in catalog.objects}
    for cycle in dependency_cycles(catalog):
        first = by_source[cycle[0]]
        path = " -> ".join(cycle + [cycle[0]])
        findings.append(Finding("warning", f"dependency cycle: {path}", first.file, first.line, first.source))
    return findings


def missing_references(catalog: Catalog) -> list[tuple[SourceObject, str]]:
    """(object, referenced key) for each reference to an object the catalog does not have."""
    keys = {obj.key for obj in catalog.objects}
    missing = []
    for obj in catalog.objects:
        seen: set[str] = set()
        for key in obj.reads + obj.writes + obj.calls:
            if key in keys or key in seen or _is_system(key) or (obj.kind == "trigger" and key in _TRIGGER_TABLES):
                continue
            seen.add(key)
            missing.append((obj, key))
        if obj.kind == "index":
            table = obj.key.rsplit(".", 1)[0]  # `schema.table.index`
            if table not in keys:
                missing.append((obj, table))
    return missing


def _is_system(key: str) -> bool:
    schema, _, name = key.partition(".")
    return schema in _SYSTEM_SCHEMAS or name.startswith(_SYSTEM_PREFIXES) or name in _XML_METHODS


def dependency_cycles(catalog: Catalog) -> list[list[str]]:
    """Cycles over reads and calls, as lists of `schema.name`, each sorted, the list sorted:
    strongly connected components of more than one object, plus objects that read or call themselves."""
    objects = {obj.key: obj for obj in catalog.objects}
    graph = {key: [k for k in dict.fromkeys(obj.reads + obj.calls) if k in objects] for key, obj in objects.items()}
    try:
        graphlib.TopologicalSorter(graph).prepare()
        return []
    except graphlib.CycleError:
        pass
    # networkx takes about a second to import: only an estate with a cycle pays for it
    import networkx

    components = networkx.strongly_connected_components(networkx.DiGraph(graph))
    cycles = [sorted(objects[key].source for key in component) for component in components
              if len(component) > 1 or next(iter(component)) in graph[next(iter(component))]]
    return sorted(cycles)


def dependency_order(catalog: Catalog) -> tuple[list[list[str]], list[str]]:
    """The order to migrate in: waves of `schema.name`, each wave needing only earlier ones
    (what an object reads, writes or calls comes first), and the objects left over because they
    sit on or behind a dependency cycle."""
    by_key = {obj.key: obj for obj in catalog.objects}
    needs = {
        key: {dep for dep in (*obj.reads, *obj.writes, *obj.calls) if dep in by_key and dep != key}
        for key, obj in by_key.items()
    }
    waves, blocked = dependency_waves(needs)
    return [[by_key[key].source for key in wave] for wave in waves], sorted(by_key[key].source for key in blocked)


def dependency_waves(needs: Mapping[str, Iterable[str]]) -> tuple[list[list[str]], list[str]]:
    """Nodes in waves, each sorted and needing only nodes of earlier waves, and the nodes left
    over because they sit on or behind a cycle (in the order of `needs`)."""
    sorter = _sorter(needs)
    waves: list[list[str]] = []
    while ready := sorted(sorter.get_ready()):
        waves.append(ready)
        sorter.done(*ready)
    done = {node for wave in waves for node in wave}
    return waves, [node for node in needs if node not in done]


def dependency_sequence(needs: Mapping[str, Iterable[str]]) -> tuple[list[str], list[str]]:
    """Nodes one after another, each after what it needs, the smallest name first whenever
    several are ready (Kahn's order with ties broken by name), and the nodes left over because
    they sit on or behind a cycle (in the order of `needs`)."""
    sorter = _sorter(needs)
    ready = sorted(sorter.get_ready())
    ordered: list[str] = []
    while ready:
        node = heapq.heappop(ready)
        ordered.append(node)
        sorter.done(node)
        for following in sorter.get_ready():
            heapq.heappush(ready, following)
    done = set(ordered)
    return ordered, [node for node in needs if node not in done]


def _sorter(needs: Mapping[str, Iterable[str]]) -> graphlib.TopologicalSorter:
    """A prepared sorter over `needs` (node -> the nodes it needs). On a cycle it still hands out
    every node that is not on or behind one."""
    sorter = graphlib.TopologicalSorter(needs)
    try:
        sorter.prepare()
    except graphlib.CycleError:
        pass
    return sorter
