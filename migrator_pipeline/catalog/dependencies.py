"""Checks over a catalog's dependency graph: references to missing objects, and cycles.

Edges are an object's `reads`, `writes` and `calls` (object keys). A reference is missing
when no catalog object has its key; temp tables, table variables and CTEs never reach
these lists (`statement_dependencies` leaves them out). System objects (`sys.*`,
`INFORMATION_SCHEMA.*`, `sp_*`/`xp_*` procedures) and XML data type methods are not
part of any estate, so they are not reported; nor are a trigger's `inserted`/`deleted`.
"""

from __future__ import annotations

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
    """Cycles over reads and calls, as lists of `schema.name`, each sorted, the list sorted.

    Strongly connected components (Tarjan, iterative: estates are large and Python's
    recursion limit is not) of more than one object, plus objects that read or call themselves.
    """
    objects = {obj.key: obj for obj in catalog.objects}
    graph = {key: [k for k in dict.fromkeys(obj.reads + obj.calls) if k in objects] for key, obj in objects.items()}
    cycles = []
    for component in _strongly_connected(graph):
        if len(component) > 1 or component[0] in graph[component[0]]:
            cycles.append(sorted(objects[key].source for key in component))
    return sorted(cycles)


def _strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, edge = work.pop()
            if edge == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if edge < len(graph[node]):
                work.append((node, edge + 1))
                following = graph[node][edge]
                if following not in index:
                    work.append((following, 0))
                elif following in on_stack:
                    low[node] = min(low[node], index[following])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def dependency_order(catalog: Catalog) -> tuple[list[list[str]], list[str]]:
    """The order to migrate in: waves of `schema.name`, each wave needing only earlier ones
    (what an object reads, writes or calls comes first), and the objects left over because they
    sit on or behind a dependency cycle."""
    by_key = {obj.key: obj for obj in catalog.objects}
    needs = {
        key: {dep for dep in (*obj.reads, *obj.writes, *obj.calls) if dep in by_key and dep != key}
        for key, obj in by_key.items()
    }
    waves: list[list[str]] = []
    done: set[str] = set()
    while len(done) < len(needs):
        wave = sorted(key for key, deps in needs.items() if key not in done and deps <= done)
        if not wave:
            break
        waves.append([by_key[key].source for key in wave])
        done.update(wave)
    blocked = sorted(by_key[key].source for key in needs if key not in done)
    return waves, blocked
