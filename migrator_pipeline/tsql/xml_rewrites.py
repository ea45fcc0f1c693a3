"""The xml data type's methods on simple paths, through PostgreSQL's XPath 1.0 functions.

- `x.value('path', 'type')` -> `CASE WHEN xpath_exists(path, x, ns) THEN CAST(string(path) AS type)
  END`: the node's string value (its text and its descendants'), NULL when no node matches, as
  SQL Server's singleton `(path)[1]` gives.
- `x.exist('path')` -> 1 when the path matches a node, 0 when not, NULL for a NULL x (a bit).
- `CROSS APPLY x.nodes('path') AS T(ref)` -> `JOIN LATERAL unnest(xpath(path, x, ns)) AS T(ref)`
  (`OUTER APPLY`: a LEFT JOIN LATERAL): one row per node. Each node is then a document of its own,
  whose root element is the node, so a path relative to `T.ref` is read from that root (`/*/`).
- The prolog's `declare namespace p="uri";` and `declare default element namespace "uri";` become
  the namespace array; names without a prefix take the default namespace's prefix, since XPath
  1.0 has no default namespace.
Paths are taken as written otherwise (XQuery beyond XPath 1.0, such as FLWOR, is not rewritten and
fails in PostgreSQL with its own message).
https://learn.microsoft.com/sql/t-sql/xml/xml-data-type-methods
"""

from __future__ import annotations

import re

from sqlglot import exp

from migrator_pipeline.tsql.rewrites import RewriteContext

_DEFAULT_PREFIX = "dflt"
_NAMESPACE = re.compile(r"declare\s+namespace\s+(\w+)\s*=\s*[\"']([^\"']*)[\"']\s*;", re.IGNORECASE)
_DEFAULT_NAMESPACE = re.compile(r"declare\s+default\s+element\s+namespace\s+[\"']([^\"']*)[\"']\s*;", re.IGNORECASE)
# a name step without a prefix: not an attribute, a function, an axis, a prefix or a number
_UNPREFIXED = re.compile(r"(?<![@\w.:\-])([A-Za-z_][\w.\-]*)(?![\w.\-]*\s*(?:[:(]))")


def xml_methods(tree: exp.Expression, context: RewriteContext) -> exp.Expression:
    """`.value()`, `.exist()` and `.nodes()` on xml columns (module docstring)."""
    nodes = _rewrite_nodes(tree)
    for dot in list(tree.find_all(exp.Dot)):
        method = dot.expression
        if not isinstance(method, exp.Anonymous) or method.name.lower() not in ("value", "exist"):
            continue
        xml = _column(dot.this)
        if xml is None or not method.expressions or not isinstance(method.expressions[0], (exp.Literal, exp.National)):
            continue
        relative = (xml.table.lower(), xml.name.lower()) in nodes
        path, namespaces = _path(method.expressions[0].name, relative)
        document = exp.Cast(this=xml, to=exp.DataType.build(exp.DType.XML))
        exists = _function("xpath_exists", exp.Literal.string(path), document, *namespaces)
        if method.name.lower() == "exist":
            dot.replace(exp.Cast(this=exists, to=exp.DataType.build("int")))
            continue
        if len(method.expressions) != 2 or not isinstance(method.expressions[1], exp.Literal):
            continue
        text = _function("array_to_string", _function("xpath", exp.Literal.string(f"string({path})"), document.copy(),
                                                      *[n.copy() for n in namespaces]), exp.Literal.string(""))
        value = exp.Cast(this=text, to=exp.DataType.build(method.expressions[1].name, dialect="tsql"))
        dot.replace(exp.Case(ifs=[exp.If(this=exists, true=value)]))
    return tree


def _rewrite_nodes(tree: exp.Expression) -> set[tuple[str, str]]:
    """APPLY of `.nodes()` as lateral joins; the (alias, column) pairs of the nodes they give."""
    refs = set()
    for lateral in list(tree.find_all(exp.Lateral)):
        dot = lateral.this
        method = dot.expression if isinstance(dot, exp.Dot) else None
        if not isinstance(method, exp.Anonymous) or method.name.lower() != "nodes":
            continue
        xml = _column(dot.this)
        alias = lateral.args.get("alias")
        if xml is None or alias is None or len(alias.columns) != 1 or not method.expressions:
            continue
        path, namespaces = _path(method.expressions[0].name, relative=False)
        document = exp.Cast(this=xml, to=exp.DataType.build(exp.DType.XML))
        lateral.set("this", _function("unnest", _function("xpath", exp.Literal.string(path), document, *namespaces)))
        refs.add((alias.name.lower(), alias.columns[0].name.lower()))
    return refs


def _column(node: exp.Expression) -> exp.Column | None:
    """`t.[col]`, `[col]` or `T.ref` as a column (the parser reads them as dotted identifiers)."""
    if isinstance(node, exp.Column):
        return node.copy()
    if isinstance(node, exp.Identifier):
        return exp.Column(this=node.copy())
    if isinstance(node, exp.Dot) and isinstance(node.this, exp.Identifier) and isinstance(node.expression, exp.Identifier):
        return exp.Column(this=node.expression.copy(), table=node.this.copy())
    return None


def _path(xquery: str, relative: bool) -> tuple[str, list[exp.Expression]]:
    """The XPath of an XQuery path with its prolog, and the namespace array (none without
    namespaces)."""
    namespaces = [(prefix, uri) for prefix, uri in _NAMESPACE.findall(xquery)]
    default = _DEFAULT_NAMESPACE.search(xquery)
    path = _DEFAULT_NAMESPACE.sub("", _NAMESPACE.sub("", xquery)).strip()
    if default is not None:
        namespaces.append((_DEFAULT_PREFIX, default.group(1)))
        path = _UNPREFIXED.sub(lambda m: f"{_DEFAULT_PREFIX}:{m.group(1)}", path)
    if relative:
        opening = len(path) - len(path.lstrip("("))
        if not path[opening:].startswith("/"):
            path = f"{path[:opening]}/*/{path[opening:]}"
    if not namespaces:
        return path, []
    return path, [exp.Array(expressions=[exp.Array(expressions=[exp.Literal.string(p), exp.Literal.string(u)])
                                         for p, u in namespaces])]


def _function(name: str, *arguments: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(arguments))
