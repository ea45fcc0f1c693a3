"""Deterministic repairs of a generated model, chosen by the PostgreSQL error it failed with.

Each fix-up is one small rewrite over the AST. The rebuilder tries them before any LLM repair:
they are free, repeatable, and cannot invent logic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from migrator_pipeline.dbt_project.jinja_sql import protect


@dataclass(frozen=True)
class Fixup:
    name: str
    error: re.Pattern
    rewrite: Callable[[exp.Expression], exp.Expression]


def _round_numeric(tree: exp.Expression) -> exp.Expression:
    """PostgreSQL has round(numeric, int) only; SQL Server rounds floats too."""
    def cast_first(node):
        if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
            node.set("this", exp.cast(node.this, "numeric"))
        return node
    return tree.transform(cast_first)


def _bit_literals(tree: exp.Expression) -> exp.Expression:
    """A BIT column became boolean: compare it with true/false rather than 1/0."""
    def to_boolean(node):
        if isinstance(node, (exp.EQ, exp.NEQ)):
            for side in ("this", "expression"):
                value = node.args.get(side)
                if isinstance(value, exp.Literal) and not value.is_string and value.this in ("0", "1"):
                    node.set(side, exp.Boolean(this=value.this == "1"))
        return node
    return tree.transform(to_boolean)


def _string_plus(tree: exp.Expression) -> exp.Expression:
    """`+` on strings is concatenation in SQL Server; PostgreSQL spells it `||`."""
    def leaves(node):
        if isinstance(node, exp.Add):
            return leaves(node.this) + leaves(node.expression)
        return [node.unnest() if isinstance(node, exp.Paren) else node]

    def to_concat(node):
        if isinstance(node, exp.Add) and any(
            isinstance(leaf, exp.Literal) and leaf.is_string for leaf in leaves(node)
        ):
            return chain_to_concat(node)
        return node

    def chain_to_concat(node):
        if isinstance(node, exp.Add):
            return exp.DPipe(this=chain_to_concat(node.this),
                             expression=chain_to_concat(node.expression), safe=True)
        return node
    return tree.transform(to_concat)


FIXUPS = (
    Fixup("round_numeric", re.compile(r"function round\(double precision, integer\) does not exist"),
          _round_numeric),
    Fixup("bit_literals", re.compile(r"operator does not exist: (boolean [=<>!]+ integer|integer [=<>!]+ boolean)"),
          _bit_literals),
    Fixup("string_plus", re.compile(r"operator does not exist: (text|character varying|character|unknown) \+"),
          _string_plus),
)


def repair(sql: str, error: str) -> tuple[str, str] | None:
    """The first fix-up that matches the error and changes the SQL: (new sql, fix-up name)."""
    parseable, restore = protect(sql)
    for fixup in FIXUPS:
        if not fixup.error.search(error or ""):
            continue
        try:
            tree = sqlglot.parse_one(parseable, read="postgres")
        except sqlglot.errors.SqlglotError:
            return None
        before = tree.sql(dialect="postgres", pretty=True)
        fixed = fixup.rewrite(tree).sql(dialect="postgres", pretty=True)
        if fixed != before:
            return restore(fixed), fixup.name
    return None
