"""`CREATE TABLE` and `ALTER TABLE ... ADD`, read from tokens.

Not by sqlglot: sqlglot rewrites data types (`int` -> `INTEGER`) and gives up on storage
clauses such as `TEXTIMAGE_ON`, while the catalog keeps types as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from migrator_pipeline.catalog.model import CheckConstraint, Column, ForeignKey, SourceObject
from migrator_pipeline.tsql.lexer import Token
from migrator_pipeline.tsql.modules import ModuleHeader, parse_module_header
from migrator_pipeline.tsql.tokens import (
    data_type_at,
    literal_text,
    matching_paren,
    multipart_name,
    name_list,
    schema_and_name,
    split_commas,
    strip_parens,
    token_text,
)

_TABLE_CONSTRAINTS = frozenset({"PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "PERIOD"})
_COMPUTED_END = frozenset({"PERSISTED", "CONSTRAINT", "NOT", "NULL", "PRIMARY", "UNIQUE", "CHECK"})
_INTEGER = re.compile(r"^-?\d+$")


@dataclass
class AlterTable:
    """An `ALTER TABLE`, applied once every table is read."""

    table: str
    tokens: list[Token]
    text: str
    file: str
    line: int


@dataclass
class TableDefinitions:
    """Reads tables' columns and keys onto their SourceObjects, and keeps each IDENTITY's seed
    and increment for the rows stored later."""

    finding: Callable[..., None]  # (severity, message, file, line, object): the reader's findings
    identity_specs: dict[str, tuple[int, int]] = field(default_factory=dict)  # table key -> (seed, increment)

    def read_table(self, table: SourceObject, header: ModuleHeader, tokens: list[Token], text: str) -> None:
        i = header.name_end
        close = matching_paren(tokens, i) if i < len(tokens) and tokens[i].text == "(" else -1
        if close < 0:
            self.finding("error", f"CREATE TABLE {table.source}: no complete column list (truncated?)", table.file, table.line, table.source)
            return
        for element in split_commas(tokens[i + 1 : close]):
            self._apply_element(table, element, text)

    def _apply_element(self, table: SourceObject, element: list[Token], text: str) -> None:
        first = element[0].upper
        if first == "CONSTRAINT" and len(element) > 2:
            self._apply_table_constraint(table, element[2:], element[1].name, text)
        elif first in _TABLE_CONSTRAINTS:
            self._apply_table_constraint(table, element, None, text)
        else:
            table.columns.append(self._column(table, element, text))

    def _apply_table_constraint(self, table: SourceObject, element: list[Token], name: str | None, text: str) -> None:
        kind = element[0].upper
        if kind == "CHECK":
            self._add_check(table, element, 1, text, name, None)
        elif kind == "PRIMARY":
            table.primary_key, _ = name_list(element, 1)
            pk = {c.lower() for c in table.primary_key}
            for column in table.columns:
                column.nullable = column.nullable and column.name.lower() not in pk
        elif kind == "UNIQUE":
            table.unique_keys.append(name_list(element, 1)[0])
        elif kind == "FOREIGN":
            columns, i = name_list(element, 1)
            if i < len(element) and element[i].upper == "REFERENCES":
                table.foreign_keys.append(self._reference(columns, element, i + 1, name))

    @staticmethod
    def _reference(columns: list[str], tokens: list[Token], i: int, name: str | None) -> ForeignKey:
        parts, i = multipart_name(tokens, i)
        ref_schema, ref_table = schema_and_name(parts)
        ref_columns = name_list(tokens, i)[0] if i < len(tokens) and tokens[i].text == "(" else []
        return ForeignKey(columns, ref_schema, ref_table, ref_columns, name)

    def _column(self, table: SourceObject, tokens: list[Token], text: str) -> Column:
        column = Column(tokens[0].name, "")
        if len(tokens) > 1 and tokens[1].upper == "AS":
            end = _computed_end(tokens)
            column.computed = token_text(text, strip_parens(tokens[2:end]))
            i = end
        else:
            column.data_type, i = data_type_at(tokens, 1)
        while i < len(tokens):
            i = self._column_option(table, column, tokens, i, text)
        return column

    def _column_option(self, table: SourceObject, column: Column, tokens: list[Token], i: int, text: str) -> int:
        word = tokens[i].upper
        following = tokens[i + 1].upper if i + 1 < len(tokens) else ""
        if word == "NOT" and following == "NULL":
            column.nullable = False
            return i + 2
        if word == "NULL":
            column.nullable = True
        elif word == "IDENTITY":
            column.identity = True
            if i + 1 < len(tokens) and tokens[i + 1].text == "(":
                close = matching_paren(tokens, i + 1)
                spec = [literal_text(piece)[1] for piece in split_commas(tokens[i + 2 : close])] if close > 0 else []
                if len(spec) == 2 and all(v is not None and _INTEGER.match(v) for v in spec):
                    self.identity_specs[table.key] = (int(spec[0]), int(spec[1]))
                return close + 1 if close > 0 else len(tokens)
        elif word == "CONSTRAINT":
            if i + 2 < len(tokens) and tokens[i + 2].upper == "CHECK":
                return self._add_check(table, tokens, i + 3, text, tokens[i + 1].name, column.name)
            return i + 2
        elif word == "CHECK":
            return self._add_check(table, tokens, i + 1, text, None, column.name)
        elif word == "DEFAULT":
            end = self._expression_end(tokens, i + 1)
            column.default = token_text(text, strip_parens(tokens[i + 1 : end]))
            return end
        elif word == "PRIMARY":
            table.primary_key = [column.name]
            column.nullable = False
        elif word == "UNIQUE":
            table.unique_keys.append([column.name])
        elif word == "REFERENCES":
            foreign_key = self._reference([column.name], tokens, i + 1, None)
            table.foreign_keys.append(foreign_key)
            return i + 1
        elif word == "(":
            close = matching_paren(tokens, i)
            return close + 1 if close > 0 else len(tokens)
        return i + 1

    def _add_check(self, table: SourceObject, tokens: list[Token], i: int, text: str,
                   name: str | None, column: str | None) -> int:
        """`CHECK [NOT FOR REPLICATION] (expression)` from token i on: the check onto the table;
        returns the index past its `)`."""
        while i < len(tokens) and tokens[i].text != "(":
            i += 1
        close = matching_paren(tokens, i) if i < len(tokens) else -1
        if close < 0:
            self.finding("warning", f"{table.source}: CHECK constraint {name or ''} without a complete (expression): not read",
                         table.file, table.line, table.source)
            return len(tokens)
        expression = token_text(text, strip_parens(tokens[i + 1 : close]))
        table.checks.append(CheckConstraint(expression, name, column))
        return close + 1

    @staticmethod
    def _expression_end(tokens: list[Token], i: int) -> int:
        """The index past a DEFAULT expression: a (group), a signed literal, or a call."""
        if i >= len(tokens):
            return i
        if tokens[i].text == "(":
            close = matching_paren(tokens, i)
            return close + 1 if close > 0 else len(tokens)
        if tokens[i].text in "+-" and i + 1 < len(tokens):
            return i + 2
        if tokens[i].kind == "word" and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            close = matching_paren(tokens, i + 1)
            return close + 1 if close > 0 else len(tokens)
        return i + 1

    def apply_alter(self, alter: AlterTable, objects: dict[str, SourceObject]) -> None:
        """`ALTER TABLE t ADD ...` applied to the table read earlier (other ALTERs are findings)."""
        table = objects.get(alter.table)
        if table is None or table.kind != "table":
            self.finding("warning", f"ALTER TABLE of an unknown table {alter.table}", alter.file, alter.line)
            return
        header = parse_module_header(alter.tokens)
        rest = alter.tokens[header.name_end :]
        words = [t.upper for t in rest]
        if "ADD" not in words:
            if words[:2] == ["NOCHECK", "CONSTRAINT"]:
                self._disable_checks(table, [t.name for t in rest[2:] if t.kind in ("word", "quoted")], alter)
            elif words[:2] != ["CHECK", "CONSTRAINT"]:
                self.finding("info", f"ALTER TABLE {table.source} {' '.join(words[:2])} ignored", alter.file, alter.line, table.source)
            return
        checks_before = len(table.checks)
        for element in split_commas(rest[words.index("ADD") + 1 :]):
            self._apply_element(table, element, alter.text)
        if "NOCHECK" in words[: words.index("ADD")]:  # WITH NOCHECK: the rows already there may break it
            self._disable_checks(table, [c.name or c.expression for c in table.checks[checks_before:]], alter,
                                 "added WITH NOCHECK: the rows already there were never checked")

    def _disable_checks(self, table: SourceObject, names: list[str], alter: AlterTable,
                        why: str = "disabled (NOCHECK CONSTRAINT)") -> None:
        """Checks SQL Server does not hold the rows to: no test may rest on them."""
        every = any(n.upper() == "ALL" for n in names)
        wanted = {n.lower() for n in names}
        for check in [c for c in table.checks if every or (c.name or c.expression).lower() in wanted]:
            table.checks.remove(check)
            self.finding("info", f"{table.source}: CHECK {check.name or ''} ({check.expression}) {why}: not tested",
                         alter.file, alter.line, table.source)


def _computed_end(tokens: list[Token]) -> int:
    """Where `name AS expression` ends: the first of _COMPUTED_END outside the expression's
    parentheses (`(case when x IS NULL then 0 end) PERSISTED NOT NULL` ends at PERSISTED)."""
    depth = 0
    for k in range(2, len(tokens)):
        if depth == 0 and tokens[k].upper in _COMPUTED_END:
            return k
        depth += (tokens[k].text == "(") - (tokens[k].text == ")")
    return len(tokens)
