"""Read a folder of `.sql` scripts (or one script) into a Catalog.

How a script is read:
- decoded as UTF-8 (with or without BOM) or UTF-16 with a BOM; CRLF becomes LF;
- split into `GO` batches, and batches into statements (`catalog.batches`);
- `CREATE TABLE` is read from tokens, not by sqlglot: sqlglot rewrites data types
  (`int` -> `INTEGER`) and gives up on storage clauses such as `TEXTIMAGE_ON`, while the
  catalog keeps types as written;
- views, procedures, functions and triggers keep their whole statement as `body`; their
  dependencies come from sqlglot's parse of the body (`tsql.procedures`);
- `INSERT ... VALUES` outside modules and `data/<schema>.<table>.csv` files become
  TableData. In CSV files an empty field is NULL (None): the csv module cannot tell an
  empty quoted string from an empty field, and NULL is the commoner meaning in exports.
Anything not understood becomes a Finding with file and line; only an unusable source
raises SourceError.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.catalog.batches import LineIndex, Statement, Token, split_batches, split_statements, tokenize
from migrator_pipeline.catalog.model import Catalog, Column, Finding, ForeignKey, SourceObject, TableData, object_key
from migrator_pipeline.tsql.procedures import (
    ModuleHeader,
    body_statements,
    data_type_at,
    matching_paren,
    multipart_name,
    parse_module_header,
    schema_and_name,
    split_commas,
    table_key,
)

# statements of deployment scripts that carry nothing for the catalog
_IGNORED_VERBS = frozenset(
    "SET USE DROP PRINT GRANT DENY REVOKE IF ELSE BEGIN COMMIT ROLLBACK RAISERROR".split()
)
_TABLE_CONSTRAINTS = frozenset({"PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "PERIOD"})
_COMPUTED_END = frozenset({"PERSISTED", "CONSTRAINT", "NOT", "NULL", "PRIMARY", "UNIQUE"})


class SourceError(Exception):
    """The source cannot be read at all: missing, or not a .sql file or folder."""


@dataclass
class _Insert:
    table: str  # object key
    columns: list[str] | None
    rows: list[list[str | None]]
    file: str
    line: int


@dataclass
class _AlterTable:
    table: str
    tokens: list[Token]
    text: str
    file: str
    line: int


def read_catalog(source: Path) -> Catalog:
    """The catalog of a script folder (read recursively, in path order) or of one `.sql` file."""
    source = Path(source)
    if not source.exists():
        raise SourceError(f"source not found: {source}")
    if source.is_file() and source.suffix.lower() != ".sql":
        raise SourceError(f"not a .sql file or a folder of .sql scripts: {source}")
    root = source.parent if source.is_file() else source
    scripts = [source] if source.is_file() else _files(root, ".sql")
    reader = _ScriptReader(str(source), root)
    if not scripts:
        reader.finding("error", "no .sql files found")
    for script in scripts:
        reader.read_script(script)
    data_root = source.parent / "data" if source.is_file() else root
    for csv_file in _files(data_root, ".csv"):
        if csv_file.parent.name.lower() == "data" or source.is_file():
            reader.read_csv(csv_file)
    return reader.finish()


def _files(root: Path, suffix: str) -> list[Path]:
    if not root.is_dir():
        return []
    found = [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() == suffix]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def decode_script(raw: bytes) -> str:
    """Script bytes as text: UTF-8 (BOM optional) or UTF-16 with a BOM. Raises UnicodeDecodeError."""
    if raw.startswith(codecs.BOM_UTF8):
        text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16")
    else:
        text = raw.decode("utf-8")
    if "\x00" in text:
        raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL characters: binary or UTF-16 without a BOM")
    return text.replace("\r\n", "\n")


def _strip_parens(tokens: list[Token]) -> list[Token]:
    while len(tokens) > 2 and tokens[0].text == "(" and matching_paren(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def _span(text: str, tokens: list[Token]) -> str:
    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def _name_list(tokens: list[Token], i: int) -> tuple[list[str], int]:
    """`(a [ASC], b)` at or after token i: the names, and the index past the `)`."""
    while i < len(tokens) and tokens[i].text != "(":
        i += 1
    close = matching_paren(tokens, i) if i < len(tokens) else -1
    if close < 0:
        return [], len(tokens)
    return [piece[0].name for piece in split_commas(tokens[i + 1 : close])], close + 1


def _literal(tokens: list[Token]) -> tuple[bool, str | None]:
    """A VALUES item as COPY text: (True, value) or (False, None) when it is not a literal."""
    if len(tokens) == 2 and tokens[0].text in "+-" and tokens[1].kind == "number":
        return True, tokens[1].text if tokens[0].text == "+" else "-" + tokens[1].text
    if len(tokens) != 1:
        return False, None
    token = tokens[0]
    if token.kind == "string":
        quoted = token.text[1:] if token.text[0] in "Nn" else token.text
        return True, quoted[1:-1].replace("''", "'")
    if token.kind == "number":
        return True, token.text
    if token.kind == "hex":
        return True, "\\x" + token.text[2:]
    if token.upper == "NULL":
        return True, None
    return False, None


class _ScriptReader:
    def __init__(self, source: str, root: Path) -> None:
        self.catalog = Catalog(source=source)
        self.root = root
        self.objects: dict[str, SourceObject] = {}
        self.alters: list[_AlterTable] = []
        self.inserts: list[_Insert] = []
        self.data: dict[str, TableData] = {}

    def finding(self, severity: str, message: str, file: str | None = None, line: int | None = None, obj: str | None = None) -> None:
        self.catalog.findings.append(Finding(severity, message, file, line, obj))

    # ------------------------------------------------------------ scripts

    def read_script(self, path: Path) -> None:
        file = path.relative_to(self.root).as_posix()
        try:
            text = decode_script(path.read_bytes())
        except (UnicodeDecodeError, OSError) as error:
            self.finding("error", f"cannot read the file, skipped: {error}", file)
            return
        for batch in split_batches(text):
            self._read_batch(batch.text, batch.line, file)

    def _read_batch(self, text: str, first_line: int, file: str) -> None:
        lines = LineIndex(text, first_line)
        split = split_statements(tokenize(text))
        for message, offset in split.errors:
            self.finding("error", message, file, lines.line(offset))
        for statement in split.statements:
            line = lines.line(statement.start)
            try:
                self._read_statement(statement, text, file, line)
            except (IndexError, ValueError) as error:  # a statement cut short: report, go on
                self.finding("error", f"cannot read {statement.verb} statement: {error}", file, line)

    def _read_statement(self, statement: Statement, text: str, file: str, line: int) -> None:
        verb, tokens = statement.verb, statement.tokens
        if verb in ("CREATE", "ALTER"):
            self._read_definition(statement, text, file, line)
        elif verb == "INSERT":
            self._read_insert(tokens, file, line)
        elif verb in _IGNORED_VERBS:
            return
        elif verb in ("EXEC", "EXECUTE", "WITH", "SELECT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "DECLARE"):
            self.finding("info", f"{verb} statement outside a module ignored", file, line)
        else:
            excerpt = " ".join(_span(text, tokens[:8]).split())[:80]
            self.finding("warning", f"unrecognised statement ignored: {excerpt}", file, line)

    def _read_definition(self, statement: Statement, text: str, file: str, line: int) -> None:
        header = parse_module_header(statement.tokens)
        if header is None:
            words = " ".join(t.upper for t in statement.tokens[:2])
            self.finding("info", f"{words} statement ignored", file, line)
            return
        if header.name.startswith("#"):
            return  # temp tables at script level: session scratch
        key = object_key(header.schema, header.name)
        if header.kind == "table" and statement.verb == "ALTER":
            self.alters.append(_AlterTable(key, statement.tokens, text, file, line))
            return
        obj = SourceObject(header.schema, header.name, header.kind, _span(text, statement.tokens), file, line)
        if header.kind == "table":
            self._read_table(obj, header, statement.tokens, text)
        else:
            obj.parameters = header.parameters
            obj.function_kind = header.function_kind
            if header.body_start is None:
                self.finding("warning", f"no AS before the body of {obj.source}", file, line, obj.source)
        self._add_object(obj)

    def _add_object(self, obj: SourceObject) -> None:
        previous = self.objects.get(obj.key)
        if previous is not None:
            self.finding(
                "warning",
                f"{obj.source} is defined more than once; the definition at {obj.file}:{obj.line} wins"
                f" over {previous.file}:{previous.line}",
                obj.file,
                obj.line,
                obj.source,
            )
        self.objects[obj.key] = obj

    # ------------------------------------------------------------ tables

    def _read_table(self, table: SourceObject, header: ModuleHeader, tokens: list[Token], text: str) -> None:
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
            self._apply_table_constraint(table, element[2:], element[1].name)
        elif first in _TABLE_CONSTRAINTS:
            self._apply_table_constraint(table, element, None)
        else:
            table.columns.append(self._column(table, element, text))

    def _apply_table_constraint(self, table: SourceObject, element: list[Token], name: str | None) -> None:
        kind = element[0].upper
        if kind == "PRIMARY":
            table.primary_key, _ = _name_list(element, 1)
            pk = {c.lower() for c in table.primary_key}
            for column in table.columns:
                column.nullable = column.nullable and column.name.lower() not in pk
        elif kind == "UNIQUE":
            table.unique_keys.append(_name_list(element, 1)[0])
        elif kind == "FOREIGN":
            columns, i = _name_list(element, 1)
            if i < len(element) and element[i].upper == "REFERENCES":
                table.foreign_keys.append(self._reference(columns, element, i + 1, name))

    @staticmethod
    def _reference(columns: list[str], tokens: list[Token], i: int, name: str | None) -> ForeignKey:
        parts, i = multipart_name(tokens, i)
        ref_schema, ref_table = schema_and_name(parts)
        ref_columns = _name_list(tokens, i)[0] if i < len(tokens) and tokens[i].text == "(" else []
        return ForeignKey(columns, ref_schema, ref_table, ref_columns, name)

    def _column(self, table: SourceObject, tokens: list[Token], text: str) -> Column:
        column = Column(tokens[0].name, "")
        if len(tokens) > 1 and tokens[1].upper == "AS":
            end = next((k for k in range(2, len(tokens)) if tokens[k].upper in _COMPUTED_END), len(tokens))
            column.computed = _span(text, _strip_parens(tokens[2:end]))
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
        elif word == "CONSTRAINT":
            return i + 2
        elif word == "DEFAULT":
            end = self._expression_end(tokens, i + 1)
            column.default = _span(text, _strip_parens(tokens[i + 1 : end]))
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

    def _apply_alter(self, alter: _AlterTable) -> None:
        table = self.objects.get(alter.table)
        if table is None or table.kind != "table":
            self.finding("warning", f"ALTER TABLE of an unknown table {alter.table}", alter.file, alter.line)
            return
        header = parse_module_header(alter.tokens)
        rest = alter.tokens[header.name_end :]
        words = [t.upper for t in rest]
        if "ADD" not in words:
            if words[:2] not in (["CHECK", "CONSTRAINT"], ["NOCHECK", "CONSTRAINT"]):
                self.finding("info", f"ALTER TABLE {table.source} {' '.join(words[:2])} ignored", alter.file, alter.line, table.source)
            return
        for element in split_commas(rest[words.index("ADD") + 1 :]):
            self._apply_element(table, element, alter.text)

    # ------------------------------------------------------------ data

    def _read_insert(self, tokens: list[Token], file: str, line: int) -> None:
        i = 2 if len(tokens) > 1 and tokens[1].upper == "INTO" else 1
        parts, i = multipart_name(tokens, i)
        if not parts or parts[-1].startswith(("#", "@")):
            return
        schema, name = schema_and_name(parts)
        columns = None
        if i < len(tokens) and tokens[i].text == "(":
            columns, i = _name_list(tokens, i)
        if i >= len(tokens) or tokens[i].upper != "VALUES":
            self.finding("info", f"INSERT into {schema}.{name} without VALUES outside a module ignored", file, line)
            return
        rows = []
        for row_tokens in split_commas(tokens[i + 1 :]):
            row = self._row(row_tokens, file, line)
            if row is not None:
                rows.append(row)
        if rows:
            self.inserts.append(_Insert(object_key(schema, name), columns, rows, file, line))

    def _row(self, tokens: list[Token], file: str, line: int) -> list[str | None] | None:
        if tokens[0].text != "(" or matching_paren(tokens, 0) != len(tokens) - 1:
            self.finding("warning", "VALUES row that is not a parenthesised list skipped", file, line)
            return None
        row = []
        for item in split_commas(tokens[1:-1]):
            is_literal, value = _literal(item)
            if not is_literal:
                excerpt = " ".join(t.text for t in item)[:60]
                self.finding("warning", f"VALUES row with a non-literal value skipped: {excerpt}", file, line)
                return None
            row.append(value)
        return row

    def _apply_insert(self, insert: _Insert) -> None:
        table = self.objects.get(insert.table)
        columns = insert.columns
        if table is not None and table.kind == "table":
            columns = self._insert_columns(table, insert)
        if columns is None:
            self.finding("warning", f"INSERT rows for {insert.table} skipped: no column list and no CREATE TABLE", insert.file, insert.line)
            return
        self._add_rows(insert.table, columns, insert.rows, insert.file, insert.line)

    def _insert_columns(self, table: SourceObject, insert: _Insert) -> list[str] | None:
        spelled = {c.name.lower(): c.name for c in table.columns}
        if insert.columns is not None:
            return [spelled.get(c.lower(), c) for c in insert.columns]
        width = len(insert.rows[0]) if insert.rows else 0
        writable = [c for c in table.columns if not c.computed]
        without_identity = [c for c in writable if not c.identity]
        for candidate in (writable, without_identity):
            if len(candidate) == width:
                return [c.name for c in candidate]
        self.finding("warning", f"INSERT rows for {table.source}: {width} values do not match its columns", insert.file, insert.line, table.source)
        return None

    def _add_rows(self, key: str, columns: list[str], rows: list[list[str | None]], file: str, line: int | None) -> None:
        if any(len(row) != len(columns) for row in rows):
            self.finding("warning", f"rows for {key} with a wrong number of values skipped", file, line)
            rows = [row for row in rows if len(row) == len(columns)]
        existing = self.data.get(key)
        if existing is None:
            self.data[key] = TableData(key, list(columns), list(rows), file)
            return
        order = [c.lower() for c in existing.columns]
        given = [c.lower() for c in columns]
        if sorted(order) != sorted(given):
            self.finding("warning", f"rows for {key} with another column list than earlier rows skipped", file, line)
            return
        positions = [given.index(c) for c in order]
        existing.rows.extend([row[p] for p in positions] for row in rows)

    def read_csv(self, path: Path) -> None:
        file = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else path.name
        schema, dot, table = path.stem.partition(".")
        if not dot:
            self.finding("warning", "CSV file name is not <schema>.<table>.csv, skipped", file)
            return
        try:
            records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        except (UnicodeDecodeError, csv.Error, OSError) as error:
            self.finding("error", f"cannot read the CSV file, skipped: {error}", file)
            return
        if not records:
            self.finding("warning", "empty CSV file, skipped", file)
            return
        rows = [[value if value != "" else None for value in record] for record in records[1:] if record]
        self._add_rows(object_key(schema, table), records[0], rows, file, None)

    # ------------------------------------------------------------ finish

    def finish(self) -> Catalog:
        for alter in self.alters:
            self._apply_alter(alter)
        for insert in self.inserts:
            self._apply_insert(insert)
        for obj in self.objects.values():
            if obj.kind != "table":
                self._read_dependencies(obj)
        self.catalog.objects = list(self.objects.values())
        self.catalog.data = list(self.data.values())
        return self.catalog

    def _read_dependencies(self, obj: SourceObject) -> None:
        header = parse_module_header(tokenize(obj.body))
        if header is None or header.body_start is None:
            return
        body = obj.body[header.body_start :]
        lines = LineIndex(obj.body, obj.line or 1)
        if obj.kind == "view":
            statements = self._view_statement(obj, body, lines.line(header.body_start))
        else:
            statements, errors = body_statements(body)
            for message, offset in errors:
                self.finding("error", f"{obj.source}: {message}", obj.file, lines.line(header.body_start + offset), obj.source)
        reads, writes, calls = statement_dependencies(statements)
        obj.reads, obj.writes, obj.calls = reads, writes, calls

    def _view_statement(self, obj: SourceObject, body: str, line: int) -> list[exp.Expression]:
        try:
            return [e for e in sqlglot.parse(body, read="tsql") if e is not None]
        except SqlglotError as error:
            message = str(error).splitlines()[0]
            self.finding("warning", f"cannot parse the view {obj.source}: {message}", obj.file, line, obj.source)
            return []


# ---------------------------------------------------------------- dependencies


def write_targets(statement: exp.Expression) -> list[exp.Table]:
    """The table nodes a statement writes: INSERT/UPDATE/DELETE/MERGE/TRUNCATE targets and SELECT INTO."""
    if isinstance(statement, exp.Insert):
        target = statement.this
        target = target.this if isinstance(target, exp.Schema) else target
        return [target] if isinstance(target, exp.Table) else []
    if isinstance(statement, (exp.Update, exp.Merge)):
        return [_resolve_alias(statement, statement.this)] if isinstance(statement.this, exp.Table) else []
    if isinstance(statement, exp.Delete):
        named = statement.args.get("tables") or [statement.this]
        return [_resolve_alias(statement, t) for t in named if isinstance(t, exp.Table)]
    if isinstance(statement, exp.TruncateTable):
        return [t for t in statement.expressions if isinstance(t, exp.Table)]
    into = statement.args.get("into") if isinstance(statement, exp.Select) else None
    return [into.this] if into is not None and isinstance(into.this, exp.Table) else []


def _resolve_alias(statement: exp.Expression, target: exp.Table) -> exp.Table:
    """`UPDATE t ... FROM dbo.Table t`: the table node the alias `t` stands for."""
    if target.db:
        return target
    for table in statement.find_all(exp.Table):
        if table is not target and table.alias and table.alias.lower() == target.name.lower():
            return table
    return target


def statement_dependencies(statements: list[exp.Expression]) -> tuple[list[str], list[str], list[str]]:
    """(reads, writes, calls) object keys of statements, each in first-seen order."""
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    calls: dict[str, None] = {}
    for statement in statements:
        targets = write_targets(statement)
        # the alias a target was named by (`UPDATE c ... FROM dbo.Customers c`) is not a read either
        named = [statement.this] if isinstance(statement, (exp.Update, exp.Merge, exp.Delete)) else []
        named += statement.args.get("tables") or [] if isinstance(statement, exp.Delete) else []
        target_ids = {id(t) for t in targets + named}
        for table in targets:
            if (key := table_key(table)) is not None:
                writes[key] = None
        ctes = {cte.alias.lower() for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            if id(table) in target_ids or isinstance(table.parent, exp.Execute):
                continue
            if isinstance(table.this, exp.Func):
                calls[f"{table.db or 'dbo'}.{table.this.name}".lower()] = None
            elif (key := table_key(table)) is not None and (table.db or table.name.lower() not in ctes):
                reads[key] = None
        for node in statement.find_all(exp.Execute, exp.Dot):
            if (key := _called(node)) is not None:
                calls[key] = None
    return list(reads), list(writes), list(calls)


def _called(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Execute):
        return table_key(node.this) if isinstance(node.this, exp.Table) else None
    if isinstance(node.this, exp.Identifier) and isinstance(node.expression, exp.Anonymous):
        return object_key(node.this.name, node.expression.name)
    return None
