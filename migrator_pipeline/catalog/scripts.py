"""Read a folder of `.sql` scripts (or one script) into a Catalog: the entry point of the
script reader, which dispatches each statement to the module that reads its subject.

How a script is read:
- found and ordered by the SSDT project beside it, only inside the source folder (`catalog.sqlproj`);
- decoded, with SQLCMD `:setvar`, `$(NAME)` and `:r` includes applied (`catalog.sqlcmd`);
- split into `GO` batches, and batches into statements (`tsql.lexer`);
- `CREATE TABLE` and `ALTER TABLE ... ADD` are read from tokens (`catalog.table_ddl`);
- views, procedures, functions and triggers keep their whole statement as `body`; their
  dependencies come from sqlglot's parse of the body (`tsql.modules`, `tsql.references`);
- `INSERT ... VALUES` outside modules, `BULK INSERT` files and `data/<schema>.<table>.csv` files
  give rows (`catalog.script_data`, `catalog.data_files`), stored as SQL Server stores them
  (`catalog.stored_rows`);
- `ALTER` and `CREATE OR ALTER` replace an earlier definition quietly; a second `CREATE` is a
  "duplicate object" warning. `EXEC('...')` and `sp_executesql N'...'` strings are read as batches;
- types (`CREATE TYPE`, `sp_addtype`), sequences, synonyms, schemas and indexes are recorded
  (`RECORDED_KINDS`). A schema is `<schema>.<schema>`; an index is `<table>.<index>` in the table's
  schema, since index names are unique per table only. Alias types resolve to their base type;
- MS_Description extended properties become descriptions of objects and columns.
Anything not understood becomes a Finding with file and line; only an unusable source
raises SourceError. Missing references and dependency cycles are `catalog.dependencies`.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator_pipeline.catalog.dependencies import dependency_findings
from migrator_pipeline.catalog.model import Catalog, Finding, SourceError, SourceObject, object_key
from migrator_pipeline.catalog.script_data import ScriptData, is_rows_insert
from migrator_pipeline.catalog.sqlcmd import Sqlcmd
from migrator_pipeline.catalog.sqlproj import SqlProject, project_scripts, read_project, source_files
from migrator_pipeline.catalog.stored_rows import READ_TIME, RowStore
from migrator_pipeline.catalog.table_ddl import AlterTable, TableDefinitions
from migrator_pipeline.tsql.lexer import (
    LineIndex,
    Statement,
    Token,
    expand_rows,
    script_batches,
    split_statements,
    tokenize,
)
from migrator_pipeline.tsql.modules import body_statements, parse_module_header
from migrator_pipeline.tsql.references import statement_dependencies
from migrator_pipeline.tsql.tokens import (
    data_type_at,
    literal_text,
    matching_paren,
    multipart_name,
    schema_and_name,
    split_commas,
    string_text,
    token_text,
)

# statements of deployment scripts that carry nothing for the catalog
_IGNORED_VERBS = frozenset(
    "SET USE DROP PRINT GRANT DENY REVOKE IF ELSE BEGIN COMMIT ROLLBACK RAISERROR".split()
)

# EXEC of system procedures that define something for the catalog
_EXTENDED_PROPERTY = ("@name", "@value", "@level0type", "@level0name", "@level1type", "@level1name", "@level2type", "@level2name")
_ADDTYPE = ("@typename", "@phystype", "@nulltype")
_DYNAMIC_CREATE = re.compile(
    r"\b(?:CREATE|ALTER)\s+(?:OR\s+ALTER\s+)?(?:TABLE|VIEW|PROC|PROCEDURE|FUNCTION|TRIGGER|TYPE|SEQUENCE|SYNONYM|SCHEMA)\s+"
    r"((?:\[[^\]]+\]|\w+)(?:\s*\.\s*(?:\[[^\]]+\]|\w+))*)",
    re.I,
)


@dataclass
class _Property:
    """An MS_Description extended property, applied once every object is known."""

    value: str
    target: list[tuple[str, str]]  # (level type, name) pairs: SCHEMA, TABLE|VIEW|..., COLUMN|PARAMETER
    file: str
    line: int


def _redefines(tokens: list[Token]) -> bool:
    """`ALTER ...` and `CREATE OR ALTER ...` mean to replace a definition, not to duplicate it."""
    words = [t.upper for t in tokens[:3]]
    return words[0] == "ALTER" or words[1:3] == ["OR", "ALTER"]


def _exec_arguments(tokens: list[Token]) -> tuple[list[list[Token]], dict[str, list[Token]]]:
    """Positional and `@name = value` arguments of an EXEC, as token lists."""
    positional: list[list[Token]] = []
    named: dict[str, list[Token]] = {}
    for piece in split_commas(tokens):
        if len(piece) > 2 and piece[0].text.startswith("@") and piece[1].text == "=":
            named[piece[0].text.lower()] = piece[2:]
        else:
            positional.append(piece)
    return positional, named


def _arguments(tokens: list[Token], names: tuple[str, ...]) -> dict[str, str | None]:
    """EXEC arguments by parameter name (positional ones take `names` in order), as text."""
    positional, named = _exec_arguments(tokens)
    given = dict(zip(names, positional)) | named
    values: dict[str, str | None] = {}
    for name, value_tokens in given.items():
        is_literal, value = literal_text(value_tokens)
        if not is_literal and len(value_tokens) == 1 and value_tokens[0].is_identifier:
            is_literal, value = True, value_tokens[0].name  # EXEC sp_addtype Phone, ...
        values[name] = value if is_literal else " ".join(t.text for t in value_tokens)
    return values


def read_catalog(source: Path, *, variables: Mapping[str, str] | None = None) -> Catalog:
    """The catalog of a script folder or SSDT project (read recursively) or of one `.sql` file.

    `variables` are SQLCMD variables given on the command line: they seed `$(NAME)` and
    win over `:setvar` in the scripts, as `sqlcmd -v` does.
    """
    source = Path(source)
    if not source.exists():
        raise SourceError(f"source not found: {source}")
    if source.is_file() and source.suffix.lower() != ".sql":
        raise SourceError(f"not a .sql file or a folder of .sql scripts: {source}")
    root = source.parent if source.is_file() else source
    project = read_project(root) if source.is_dir() else SqlProject()
    reader = _ScriptReader(str(source), root, {**project.variables, **(variables or {})}, set(variables or {}))
    reader.databases.update(project.names)
    reader.catalog.findings.extend(project.findings)
    if project.collation:
        reader.catalog.collation = project.collation
    scripts = [source] if source.is_file() else project_scripts(root, project)
    included = set() if source.is_file() else reader.sqlcmd.included_files(scripts, reader.seed_variables)
    scripts = [s for s in scripts if s.resolve() not in included]
    if not scripts:
        reader.finding("error", "no .sql files found")
    with _collection_paused():
        for script in scripts:
            reader.read_top_script(script)
        data_root = source.parent / "data" if source.is_file() else root
        for csv_file in source_files(data_root, ".csv"):
            if csv_file.parent.name.lower() == "data" or source.is_file():
                reader.script_data.read_csv(csv_file)
    return reader.finish()


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """Python's cycle collector off while scripts and data files are read and their rows stored:
    the estate's rows (millions of lists and values) are all kept, yet every few hundred new
    objects made the collector scan the young ones again, and now and then all of them (a
    third of reading a data-heavy estate). Tokens and rows make no reference cycles; sqlglot's
    trees do, and are parsed outside (`_read_dependencies`)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _ScriptReader:
    def __init__(self, source: str, root: Path, variables: dict[str, str], fixed: set[str]) -> None:
        self.catalog = Catalog(source=source)
        self.root = root
        self.seed_variables = variables
        self.sqlcmd = Sqlcmd(root, fixed, self.finding, self.file_name)
        self.databases: set[str] = set()  # names of the current database (USE, project name)
        self.objects: dict[str, SourceObject] = {}
        self.tables = TableDefinitions(self.finding)
        self.alters: list[AlterTable] = []
        self.types: dict[str, tuple[str, bool]] = {}  # alias type key -> (base type, nullable)
        self.properties: list[_Property] = []
        self.rows = RowStore(self.objects, self.tables.identity_specs, self.finding, READ_TIME)
        self.script_data = ScriptData(root, self.rows, self.finding, self.file_name)

    def finding(self, severity: str, message: str, file: str | None = None, line: int | None = None, obj: str | None = None) -> None:
        self.catalog.findings.append(Finding(severity, message, file, line, obj))

    def file_name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else path.as_posix()

    def read_top_script(self, path: Path) -> None:
        """A script as sqlcmd runs it: a session of its own (variables, DATEFORMAT, IDENTITY_INSERT)."""
        self.script_data.new_session()
        for text, first_line, file in self.sqlcmd.texts(path, dict(self.seed_variables)):
            self._read_text(text, first_line, file)

    def _read_text(self, text: str, first_line: int, file: str) -> None:
        # one tokenizing pass over the script; statements keep offsets into the whole script
        lines = LineIndex(text, first_line)
        for batch in script_batches(text, compact_rows=True):
            self.script_data.variables = {}  # a batch's variables end with it
            self._read_tokens(text, batch.tokens, lines, file)

    def _read_batch(self, text: str, first_line: int, file: str) -> None:
        outer, self.script_data.variables = self.script_data.variables, {}  # dynamic SQL is a batch of its own
        try:
            self._read_tokens(text, tokenize(text), LineIndex(text, first_line), file)
        finally:
            self.script_data.variables = outer

    def _read_tokens(self, text: str, tokens: list[Token], lines: LineIndex, file: str) -> None:
        split = split_statements(tokens)
        for message, offset in split.errors:
            self.finding("error", message, file, lines.line(offset))
        for statement in split.statements:
            line = lines.line(statement.start)
            try:
                self._read_statement(statement, text, file, line)
            except Exception as error:  # noqa: BLE001 - bad input is normal input: report it, read on
                self.finding("error", f"cannot read {statement.verb} statement: {type(error).__name__}: {error}", file, line)

    def _read_statement(self, statement: Statement, text: str, file: str, line: int) -> None:
        if not is_rows_insert(statement):
            # only INSERT ... VALUES reads a "rows" token itself; everything else sees plain tokens
            statement = Statement(statement.verb, expand_rows(text, statement.tokens), statement.in_catch)
        verb, tokens = statement.verb, statement.tokens
        if verb in ("CREATE", "ALTER"):
            self._read_definition(statement, text, file, line)
        elif verb == "INSERT":
            self.script_data.read_insert(tokens, text, file, line)
        elif verb in ("EXEC", "EXECUTE"):
            self._read_exec(tokens, text, file, line)
        elif verb == "SET":
            self.script_data.read_set(tokens)
        elif verb == "USE" and len(tokens) > 1 and tokens[1].is_identifier:
            self.databases.add(tokens[1].name.lower())
        elif verb == "BULK" and len(tokens) > 1 and tokens[1].upper == "INSERT":
            self.script_data.read_bulk_insert(tokens, file, line)
        elif verb in _IGNORED_VERBS:
            return
        elif verb == "DECLARE" and self.script_data.read_declare(tokens):
            return
        elif verb in ("WITH", "SELECT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "DECLARE"):
            self.finding("info", f"{verb} statement outside a module ignored", file, line)
        else:
            excerpt = " ".join(token_text(text, tokens[:8]).split())[:80]
            self.finding("warning", f"unrecognised statement ignored: {excerpt}", file, line)

    def _read_definition(self, statement: Statement, text: str, file: str, line: int) -> None:
        header = parse_module_header(statement.tokens)
        if header is None:
            if not self._read_recorded(statement, text, file, line):
                words = " ".join(t.upper for t in statement.tokens[:2])
                self.finding("info", f"{words} statement ignored", file, line)
            return
        if header.name.startswith("#"):
            return  # temp tables at script level: session scratch
        key = object_key(header.schema, header.name)
        if header.kind == "table" and statement.verb == "ALTER":
            self.alters.append(AlterTable(key, statement.tokens, text, file, line))
            return
        obj = SourceObject(header.schema, header.name, header.kind, token_text(text, statement.tokens), file, line)
        redefines = _redefines(statement.tokens)
        try:
            if header.kind == "table":
                self.tables.read_table(obj, header, statement.tokens, text)
            else:
                obj.parameters = header.parameters
                obj.function_kind = header.function_kind
                if header.body_start is None:
                    self.finding("warning", f"no AS before the body of {obj.source}", file, line, obj.source)
        finally:  # the object is recorded even when its definition cannot be read in full
            self._add_object(obj, redefines)

    def _add_object(self, obj: SourceObject, redefines: bool = False) -> None:
        """Record an object; `ALTER` and `CREATE OR ALTER` replace an earlier definition quietly."""
        previous = self.objects.get(obj.key)
        if previous is not None and not redefines:
            self.finding(
                "warning",
                f"duplicate object: {obj.source} is defined more than once; the definition at {obj.file}:{obj.line} wins"
                f" over {previous.file}:{previous.line}",
                obj.file,
                obj.line,
                obj.source,
            )
        self.objects[obj.key] = obj

    # ------------------------------------------------------------ recorded kinds

    def _read_recorded(self, statement: Statement, text: str, file: str, line: int) -> bool:
        """`CREATE TYPE | SEQUENCE | SYNONYM | SCHEMA | [UNIQUE] [NON]CLUSTERED INDEX`: True when read."""
        tokens = statement.tokens
        if statement.verb != "CREATE":
            return False
        words = [t.upper for t in tokens[:6]]
        body = token_text(text, tokens)
        if words[1] == "SCHEMA":
            if len(tokens) < 3 or not tokens[2].is_identifier or tokens[2].upper == "AUTHORIZATION":
                return False
            # a schema is recorded under its own name as both schema and name: `dw.dw`
            self._add_object(SourceObject(tokens[2].name, tokens[2].name, "schema", body, file, line))
            return True
        if words[1] in ("TYPE", "SEQUENCE", "SYNONYM"):
            parts, i = multipart_name(tokens, 2)
            if not parts:
                return False
            obj = SourceObject(*schema_and_name(parts), words[1].lower(), body, file, line)
            if words[1] == "TYPE":
                self._read_type(obj, tokens, i)
            elif words[1] == "SYNONYM" and i < len(tokens) and tokens[i].upper == "FOR":
                target, _ = multipart_name(tokens, i + 1)
                self._check_database(obj, target, file, line)
                if target and (len(target) < 3 or target[0].lower() in self.databases):
                    obj.reads = [object_key(*schema_and_name(target))]  # a synonym reads what it names
            self._add_object(obj)
            return True
        return self._read_index(tokens, body, file, line)

    def _read_type(self, obj: SourceObject, tokens: list[Token], i: int) -> None:
        if i >= len(tokens) or tokens[i].upper != "FROM":
            return  # AS TABLE (...) or EXTERNAL NAME: recorded, no base type
        base, k = data_type_at(tokens, i + 1)
        nullable = not (k + 1 < len(tokens) and tokens[k].upper == "NOT" and tokens[k + 1].upper == "NULL")
        self.types[obj.key] = (base, nullable)

    def _read_index(self, tokens: list[Token], body: str, file: str, line: int) -> bool:
        """An index is recorded as `<table>.<index>` in the table's schema: index names are per table."""
        i = 1
        while i < len(tokens) and tokens[i].upper in ("UNIQUE", "CLUSTERED", "NONCLUSTERED", "COLUMNSTORE", "XML", "SPATIAL"):
            i += 1
        if i + 3 >= len(tokens) or tokens[i].upper != "INDEX" or tokens[i + 2].upper != "ON":
            return False
        parts, _ = multipart_name(tokens, i + 3)
        if not parts:
            return False
        schema, table = schema_and_name(parts)
        self._add_object(SourceObject(schema, f"{table}.{tokens[i + 1].name}", "index", body, file, line))
        return True

    def _check_database(self, obj: SourceObject, parts: list[str], file: str | None, line: int | None) -> None:
        """A name in another database or on a linked server: the object depends on something outside the estate."""
        named = ".".join(parts)
        if len(parts) >= 4:
            self.finding("warning", f"{obj.source} references {named} on a linked server", file, line, obj.source)
        elif len(parts) == 3 and parts[0] and parts[0].lower() not in self.databases:
            self.finding("warning", f"{obj.source} references {named} in another database", file, line, obj.source)

    # ------------------------------------------------------------ EXEC

    def _read_exec(self, tokens: list[Token], text: str, file: str, line: int) -> None:
        if len(tokens) > 1 and tokens[1].text == "(":  # EXEC ('CREATE VIEW ...')
            close = matching_paren(tokens, 1)
            self._read_dynamic(string_text(tokens[2:close]) if close > 0 else None, tokens, text, file, line)
            return
        parts, i = multipart_name(tokens, 1)
        if i < len(tokens) and tokens[i].text == "=" and parts and parts[0].startswith("@"):
            parts, i = multipart_name(tokens, i + 1)  # EXEC @rc = dbo.Proc
        procedure = parts[-1].lower() if parts else ""
        arguments = tokens[i:]
        if procedure == "sp_executesql":
            positional, named = _exec_arguments(arguments)
            statement = named.get("@stmt") or (positional[0] if positional else [])
            self._read_dynamic(string_text(statement), tokens, text, file, line)
        elif procedure == "sp_addextendedproperty":
            self._read_extended_property(_arguments(arguments, _EXTENDED_PROPERTY), file, line)
        elif procedure == "sp_addtype":
            self._read_addtype(_arguments(arguments, _ADDTYPE), token_text(text, tokens), file, line)
        else:
            self.finding("info", f"{tokens[0].upper} statement outside a module ignored", file, line)

    def _read_dynamic(self, sql: str | None, tokens: list[Token], text: str, file: str, line: int) -> None:
        """Dynamic SQL at script level: its string is read as a batch of its own."""
        if sql is not None:
            self._read_batch(sql, line, file)
            return
        created = _DYNAMIC_CREATE.search(token_text(text, tokens))
        if created is not None:
            name = "".join(created.group(1).split())
            self.finding("warning", f"dynamic SQL that is not a string literal creates {name}: not read", file, line, name)
        else:
            self.finding("info", "dynamic SQL outside a module ignored", file, line)

    def _read_extended_property(self, values: dict[str, str | None], file: str, line: int) -> None:
        if (values.get("@name") or "").lower() != "ms_description":
            return
        levels = [
            ((values.get(f"@level{n}type") or "").upper(), values.get(f"@level{n}name") or "")
            for n in range(3)
            if values.get(f"@level{n}type")
        ]
        self.properties.append(_Property(values.get("@value") or "", levels, file, line))

    def _read_addtype(self, values: dict[str, str | None], body: str, file: str, line: int) -> None:
        name, base = values.get("@typename"), values.get("@phystype")
        if not name or not base:
            self.finding("warning", "sp_addtype without a type name and a base type ignored", file, line)
            return
        parts = [p.strip("[]") for p in name.split(".")]
        obj = SourceObject(*schema_and_name(parts), "type", body, file, line)
        base_type, _ = data_type_at(tokenize(base), 0)
        self.types[obj.key] = (base_type, (values.get("@nulltype") or "NULL").upper().replace(" ", "") != "NOTNULL")
        self._add_object(obj)

    # ------------------------------------------------------------ finish

    def finish(self) -> Catalog:
        for alter in self.alters:
            self.tables.apply_alter(alter, self.objects)
        self._resolve_types()
        with _collection_paused():
            for insert in self.script_data.inserts:
                try:
                    self.rows.store(insert)
                except Exception as error:  # noqa: BLE001 - one unreadable statement must not stop the estate
                    self.finding("error", f"rows for {insert.table} not stored: {type(error).__name__}: {error}",
                                 insert.file, insert.line, insert.table)
                    self.rows.dropped[insert.table] = self.rows.dropped.get(insert.table, 0) + len(insert.rows)
        self.rows.record_losses()
        for prop in self.properties:
            self._apply_property(prop)
        for obj in self.objects.values():
            if obj.kind not in ("view", "procedure", "function", "trigger"):
                continue
            try:
                self._read_dependencies(obj)
            except Exception as error:  # noqa: BLE001 - one unreadable body must not stop the estate
                self.finding("error", f"cannot read the dependencies of {obj.source}: {type(error).__name__}: {error}", obj.file, obj.line, obj.source)
        self.catalog.objects = list(self.objects.values())
        self.catalog.data = list(self.rows.data.values())
        self.catalog.findings.extend(dependency_findings(self.catalog))
        return self.catalog

    def _resolve_types(self) -> None:
        """Columns and parameters of an alias type get its base type (`dbo.Phone` -> `varchar(20)`)."""
        if not self.types:
            return
        for obj in self.objects.values():
            for column in obj.columns:
                resolved = self._base_type(column.data_type)
                if resolved is not None:
                    column.data_type = resolved[0]
                    column.nullable = column.nullable and resolved[1]
            for parameter in obj.parameters:
                resolved = self._base_type(parameter[1])
                parameter[1] = resolved[0] if resolved is not None else parameter[1]

    def _base_type(self, data_type: str) -> tuple[str, bool] | None:
        if not data_type or "(" in data_type:
            return None
        return self.types.get(object_key(*schema_and_name(data_type.split("."))))

    def _apply_property(self, prop: _Property) -> None:
        levels = dict(prop.target)
        schema = levels.get("SCHEMA") or "dbo"
        owner = next((name for kind, name in prop.target if kind not in ("SCHEMA", "COLUMN", "PARAMETER")), None)
        target = self.objects.get(object_key(schema, owner if owner else schema))
        if target is None:
            named = ".".join(name for _, name in prop.target)
            self.finding("warning", f"MS_Description for an unknown object {named} ignored", prop.file, prop.line)
            return
        column_name = levels.get("COLUMN")
        if column_name is None:
            target.description = prop.value
            return
        column = next((c for c in target.columns if c.name.lower() == column_name.lower()), None)
        if column is None:
            self.finding("warning", f"MS_Description for an unknown column {target.source}.{column_name} ignored", prop.file, prop.line, target.source)
            return
        column.description = prop.value

    def _read_dependencies(self, obj: SourceObject) -> None:
        header = obj.header
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
        named: dict[str, list[str]] = {}
        for statement in statements:
            for table in statement.find_all(exp.Table):
                parts = [part.name for part in table.parts]
                named.setdefault(".".join(parts).lower(), parts)
        for parts in named.values():
            self._check_database(obj, parts, obj.file, obj.line)

    def _view_statement(self, obj: SourceObject, body: str, line: int) -> list[exp.Expression]:
        try:
            return [e for e in sqlglot.parse(body, read="tsql") if e is not None]
        except SqlglotError as error:
            message = str(error).splitlines()[0]
            self.finding("warning", f"cannot parse the view {obj.source}: {message}", obj.file, line, obj.source)
            return []
