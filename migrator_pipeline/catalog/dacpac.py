"""Read a `.dacpac` (SqlPackage / SSDT build output) into a Catalog.

A .dacpac is a zip holding `model.xml`: `<DataSchemaModel><Model>` with one `<Element>` (`catalog.dacpac_xml`)
per object, in namespace `http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02`.
How it is read:
- tables come from the XML structure: `SqlSimpleColumn`/`SqlComputedColumn` with their
  `SqlTypeSpecifier`, and the top-level constraint elements that point at their table
  through `DefiningTable` (primary key, unique, foreign key, default, check);
- views, procedures, functions and triggers keep only the text after `AS` in model.xml
  (`QueryScript`/`BodyScript`). Their whole CREATE statement is rebuilt (from the
  `SysCommentsObjectAnnotation` header when the dacpac has one, else from the
  parameters and types in the XML) and then read by the script reader itself, so that
  parameters, function kind, body text and dependencies are exactly what a script
  folder holding the same statements gives;
- `MS_Description` extended properties become descriptions; `SqlDatabaseOptions`'
  `Collation` becomes the catalog's collation;
- `postdeploy.sql` is the only place a dacpac holds rows: its INSERTs are read by the
  script reader, next to the rebuilt CREATE TABLE statements (which tell it the columns
  of an INSERT without a column list);
- element types not read here are reported as info findings, one per type.
An unusable file (missing, not a zip, no model.xml, malformed XML) raises SourceError.

A .dacpac is untrusted input: each member read is capped at MAX_MEMBER_BYTES uncompressed
and the members read together at MAX_ARCHIVE_BYTES (a zip bomb is refused from its declared
sizes before anything is inflated, and reading stops at the cap if a header lies), and
model.xml is parsed by defusedxml with DTDs forbidden (no entity expansion, no external
entities, whatever the encoding). postdeploy.sql is read by the script reader inside a
scratch folder: its `BULK INSERT` files and `:r` includes never reach outside it.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import defusedxml
import defusedxml.ElementTree

from migrator_pipeline.catalog.dacpac_xml import (
    NAMESPACE,
    NS,
    header_annotation,
    is_flag_set,
    name_parts,
    property_text,
    quoted_name,
    referenced_name,
    referenced_names,
    related_elements,
    string_literal_text,
    strip_parens,
    type_arguments,
    type_name,
    type_text,
)
from migrator_pipeline.catalog.model import Catalog, CheckConstraint, Column, Finding, ForeignKey, SourceError, SourceObject, object_key
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.catalog.sqlcmd import decode_script

MODEL_FILE = "model.xml"
POSTDEPLOY_FILE = "postdeploy.sql"
PREDEPLOY_FILE = "predeploy.sql"
# The largest real model.xml we know (WideWorldImporters) is a few MB; parsing costs ~10x the
# file in memory, so these caps keep a hostile archive well under a gigabyte.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_ARCHIVE_BYTES = 384 * 1024 * 1024
_CHUNK = 1024 * 1024

_MODULE_KINDS = {
    "SqlView": "view",
    "SqlProcedure": "procedure",
    "SqlScalarFunction": "function",
    "SqlInlineTableValuedFunction": "function",
    "SqlMultiStatementTableValuedFunction": "function",
    "SqlDmlTrigger": "trigger",
}
_CONSTRAINT_TYPES = frozenset(
    {"SqlPrimaryKeyConstraint", "SqlUniqueConstraint", "SqlForeignKeyConstraint", "SqlDefaultConstraint", "SqlCheckConstraint"}
)
_RECORDED_TYPES = {
    "SqlSchema": "schema",
    "SqlIndex": "index",
    "SqlSequence": "sequence",
    "SqlSynonym": "synonym",
    "SqlUserDefinedDataType": "type",
    "SqlTableType": "type",
}
# read for what they carry, not as objects of their own
_SUPPORT_TYPES = frozenset({"SqlTable", "SqlExtendedProperty", "SqlDatabaseOptions"})
_TRIGGER_TIMING = {"1": "FOR", "2": "AFTER", "3": "INSTEAD OF"}


def read_dacpac(path: Path) -> Catalog:
    """The catalog of a `.dacpac` file. Raises SourceError when the file is unusable."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"source not found: {path}")
    model_xml, postdeploy, predeploy = _package_parts(path)
    root = _parse_model(model_xml, path)
    model = root.find(f"{NS}Model")
    if model is None:
        raise SourceError(f"{path}: model.xml has no <Model> element (namespace {NAMESPACE})")
    reader = _ModelReader(str(path))
    reader.read(model)
    if predeploy:
        reader.finding("info", "predeploy.sql not read: it runs before deployment and holds no table data", file=PREDEPLOY_FILE)
    return reader.finish(postdeploy)


def check_dacpac(path: Path) -> None:
    """Cheap checks before anything runs: a zip, with a model.xml, within the size caps (nothing
    inflated). Raises SourceError with one line."""
    try:
        with zipfile.ZipFile(path) as package:
            members = {info.filename.lower(): info for info in package.infolist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise SourceError(f"{path}: not a .dacpac (zip) file: {error}") from error
    if MODEL_FILE not in members:
        raise SourceError(f"{path}: not a .dacpac: the zip holds no model.xml")
    _check_declared_sizes(path, [members[n] for n in (MODEL_FILE, POSTDEPLOY_FILE) if n in members])


def _package_parts(path: Path) -> tuple[bytes, bytes | None, bool]:
    """model.xml and postdeploy.sql bytes (postdeploy may be absent), and whether there is a
    predeploy.sql (never read: it holds no table data)."""
    try:
        with zipfile.ZipFile(path) as package:
            members = {info.filename.lower(): info for info in package.infolist()}
            if MODEL_FILE not in members:
                raise SourceError(f"{path}: not a .dacpac: the zip holds no model.xml")
            wanted = [members.get(name) for name in (MODEL_FILE, POSTDEPLOY_FILE)]
            _check_declared_sizes(path, [info for info in wanted if info is not None])
            parts = [_read_member(package, info, path) if info is not None else None for info in wanted]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as error:
        raise SourceError(f"{path}: not a .dacpac (zip) file: {error}") from error
    return parts[0], parts[1], PREDEPLOY_FILE in members


def _check_declared_sizes(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb from its directory, before inflating a byte."""
    for info in members:
        if info.file_size > MAX_MEMBER_BYTES:
            raise SourceError(f"{path}: {info.filename} expands to {info.file_size:,} bytes, over the "
                              f"{MAX_MEMBER_BYTES:,}-byte limit for one .dacpac member")
    total = sum(info.file_size for info in members)
    if total > MAX_ARCHIVE_BYTES:
        raise SourceError(f"{path}: its members expand to {total:,} bytes, over the {MAX_ARCHIVE_BYTES:,}-byte "
                          "limit for a .dacpac")


def _read_member(package: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """A member's bytes, reading no further than the cap even when its declared size lies."""
    chunks: list[bytes] = []
    size = 0
    with package.open(info) as member:
        while chunk := member.read(_CHUNK):
            size += len(chunk)
            if size > MAX_MEMBER_BYTES:
                raise SourceError(f"{path}: {info.filename} expands past the {MAX_MEMBER_BYTES:,}-byte "
                                  "limit for one .dacpac member")
            chunks.append(chunk)
    return b"".join(chunks)


def _parse_model(raw: bytes, path: Path) -> ElementTree.Element:
    # model.xml never needs a DTD: forbidding one rules out entity bombs and external entities
    try:
        return defusedxml.ElementTree.fromstring(raw, forbid_dtd=True)
    except defusedxml.DTDForbidden as error:
        raise SourceError(f"{path}: model.xml declares a DOCTYPE, which a dacpac never does") from error
    except defusedxml.DefusedXmlException as error:
        raise SourceError(f"{path}: model.xml refused: {error}") from error
    except ElementTree.ParseError as error:
        raise SourceError(f"{path}: malformed model.xml: {error}") from error


# ---------------------------------------------------------------- the reader


@dataclass
class _Table:
    obj: SourceObject
    column_lines: list[str] = field(default_factory=list)
    constraint_lines: list[str] = field(default_factory=list)


@dataclass
class _Module:
    obj: SourceObject
    text: str  # the rebuilt CREATE statement


class _ModelReader:
    def __init__(self, source: str) -> None:
        self.catalog = Catalog(source=source)
        self.tables: dict[str, _Table] = {}
        self.modules: list[_Module] = []
        self.recorded: list[SourceObject] = []
        self.constraints: list[ElementTree.Element] = []
        self.properties: list[ElementTree.Element] = []
        self.unknown: dict[str, list[str]] = defaultdict(list)

    def finding(self, severity: str, message: str, obj: str | None = None, file: str = MODEL_FILE) -> None:
        self.catalog.findings.append(Finding(severity, message, file, None, obj))

    def read(self, model: ElementTree.Element) -> None:
        for element in model.findall(f"{NS}Element"):
            self._read_element(element)
        # constraints and descriptions point at tables that may come later in the file
        for constraint in self.constraints:
            self._apply_constraint(constraint)
        for prop in self.properties:
            self._apply_extended_property(prop)
        for kind, names in sorted(self.unknown.items()):
            shown = ", ".join(n for n in names[:5] if n) or "unnamed"
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            self.finding("info", f"{len(names)} {kind} element(s) not read: {shown}{more}")

    def _read_element(self, element: ElementTree.Element) -> None:
        kind = element.get("Type", "")
        if kind == "SqlTable":
            self._read_table(element)
        elif kind in _MODULE_KINDS:
            self._read_module(element, kind)
        elif kind in _CONSTRAINT_TYPES:
            self.constraints.append(element)
        elif kind == "SqlExtendedProperty":
            self.properties.append(element)
        elif kind == "SqlDatabaseOptions":
            self.catalog.collation = property_text(element, "Collation") or self.catalog.collation
        elif kind in _RECORDED_TYPES:
            self._read_recorded(element, kind)
        else:
            self.unknown[kind or "untyped"].append(element.get("Name", ""))

    def _schema_and_name(self, element: ElementTree.Element) -> tuple[str, str] | None:
        parts = name_parts(element.get("Name", ""))
        if len(parts) < 2:
            self.finding("warning", f"{element.get('Type')} element without a [schema].[name] Name ignored: {element.get('Name')!r}")
            return None
        return parts[0], parts[1]

    # ------------------------------------------------------------ tables

    def _read_table(self, element: ElementTree.Element) -> None:
        named = self._schema_and_name(element)
        if named is None:
            return
        table = _Table(SourceObject(named[0], named[1], "table", file=MODEL_FILE))
        for column_element in related_elements(element, "Columns"):
            column = self._column(column_element)
            table.obj.columns.append(column)
            table.column_lines.append(_column_line(column, column_element))
        self.tables[table.obj.key] = table

    def _column(self, element: ElementTree.Element) -> Column:
        parts = name_parts(element.get("Name", ""))
        column = Column(parts[-1] if parts else "", "")
        nullable = property_text(element, "IsNullable")
        column.nullable = nullable is None or nullable.lower() != "false"
        if element.get("Type") == "SqlComputedColumn":
            column.computed = strip_parens(property_text(element, "ExpressionScript") or "")
            return column
        column.data_type = type_text(element)
        column.identity = is_flag_set(element, "IsIdentity")
        return column

    def _table_of(self, constraint: ElementTree.Element) -> _Table | None:
        reference = referenced_name(constraint, "DefiningTable")
        parts = name_parts(reference or "")
        table = self.tables.get(object_key(*parts[:2])) if len(parts) >= 2 else None
        if table is None:
            name = constraint.get("Name") or constraint.get("Type")
            self.finding("warning", f"{name}: constraint of an unknown table {reference} ignored")
        return table

    def _apply_constraint(self, constraint: ElementTree.Element) -> None:
        table = self._table_of(constraint)
        if table is None:
            return
        kind = constraint.get("Type")
        parts = name_parts(constraint.get("Name", ""))
        prefix = f"CONSTRAINT {quoted_name(parts[-1])} " if parts else ""
        if kind == "SqlDefaultConstraint":
            self._apply_default(table, constraint, prefix)
        elif kind == "SqlCheckConstraint":
            check = strip_parens(property_text(constraint, "CheckExpressionScript") or "")
            table.constraint_lines.append(f"{prefix}CHECK ({check})")
            if check:
                table.obj.checks.append(CheckConstraint(check, parts[-1] if parts else None))
        elif kind == "SqlForeignKeyConstraint":
            self._apply_foreign_key(table, constraint, prefix, parts[-1] if parts else None)
        else:
            self._apply_key(table, constraint, prefix, kind == "SqlPrimaryKeyConstraint")

    def _apply_key(self, table: _Table, constraint: ElementTree.Element, prefix: str, primary: bool) -> None:
        columns = [_last_part(referenced_name(spec, "Column")) for spec in related_elements(constraint, "ColumnSpecifications")]
        listed = ", ".join(quoted_name(c) for c in columns)
        if not primary:
            table.obj.unique_keys.append(columns)
            table.constraint_lines.append(f"{prefix}UNIQUE ({listed})")
            return
        table.obj.primary_key = columns
        keyed = {c.lower() for c in columns}
        for column in table.obj.columns:
            column.nullable = column.nullable and column.name.lower() not in keyed
        table.constraint_lines.append(f"{prefix}PRIMARY KEY ({listed})")

    def _apply_foreign_key(self, table: _Table, constraint: ElementTree.Element, prefix: str, name: str | None) -> None:
        columns = [_last_part(r) for r in referenced_names(constraint, "Columns")]
        ref_columns = [_last_part(r) for r in referenced_names(constraint, "ForeignColumns")]
        ref_parts = name_parts(referenced_name(constraint, "ForeignTable") or "")
        if len(ref_parts) < 2:
            self.finding("warning", f"foreign key {name} of {table.obj.source} without a ForeignTable ignored", table.obj.source)
            return
        table.obj.foreign_keys.append(ForeignKey(columns, ref_parts[0], ref_parts[1], ref_columns, name))
        table.constraint_lines.append(
            f"{prefix}FOREIGN KEY ({', '.join(map(quoted_name, columns))}) REFERENCES {quoted_name(*ref_parts[:2])}"
            f" ({', '.join(map(quoted_name, ref_columns))})"
        )

    def _apply_default(self, table: _Table, constraint: ElementTree.Element, prefix: str) -> None:
        target = _last_part(referenced_name(constraint, "ForColumn")).lower()
        index = next((i for i, c in enumerate(table.obj.columns) if c.name.lower() == target), None)
        if index is None:
            self.finding("warning", f"default for an unknown column {target} of {table.obj.source} ignored", table.obj.source)
            return
        column = table.obj.columns[index]
        column.default = strip_parens(property_text(constraint, "DefaultExpressionScript") or "")
        table.column_lines[index] += f" {prefix}DEFAULT ({column.default})"

    def _apply_extended_property(self, element: ElementTree.Element) -> None:
        parts = name_parts(element.get("Name", ""))
        if len(parts) < 4 or parts[-1] != "MS_Description":
            return  # other extended properties carry tool metadata, not documentation
        description = string_literal_text(property_text(element, "Value") or "")
        target = self._described(parts[1], parts[2])
        if target is None:
            self.finding("warning", f"MS_Description of an unknown object {parts[1]}.{parts[2]} ignored")
        elif len(parts) == 4:
            target.description = description
        else:
            column = next((c for c in target.columns if c.name.lower() == parts[3].lower()), None)
            if column is not None:
                column.description = description

    def _described(self, schema: str, name: str) -> SourceObject | None:
        key = object_key(schema, name)
        if key in self.tables:
            return self.tables[key].obj
        return next((m.obj for m in self.modules if m.obj.key == key), None)

    # ------------------------------------------------------------ modules

    def _read_module(self, element: ElementTree.Element, element_type: str) -> None:
        named = self._schema_and_name(element)
        if named is None:
            return
        schema, name = named
        implementation = next(iter(related_elements(element, "FunctionBody")), element)
        script = property_text(element, "QueryScript") or property_text(element, "BodyScript") or property_text(implementation, "BodyScript")
        if script is None:
            self.finding("warning", f"{schema}.{name}: {element_type} without a body script ignored", f"{schema}.{name}")
            return
        header = header_annotation(element, "HeaderContents") or header_annotation(implementation, "HeaderContents")
        header = header or _module_header(element, element_type, schema, name)
        body = script.strip()
        if element_type == "SqlInlineTableValuedFunction" and not body.upper().startswith("RETURN"):
            body = f"RETURN {body}"
        obj = SourceObject(schema, name, _MODULE_KINDS[element_type], file=MODEL_FILE)
        self.modules.append(_Module(obj, f"{header.rstrip()}\n{body}"))

    # ------------------------------------------------------------ recorded kinds

    def _read_recorded(self, element: ElementTree.Element, element_type: str) -> None:
        parts = name_parts(element.get("Name", ""))
        if element_type == "SqlSchema" and parts:  # recorded as `name.name`, as the script reader does
            obj = SourceObject(parts[0], parts[0], "schema", f"CREATE SCHEMA {quoted_name(parts[0])}", MODEL_FILE)
        elif element_type == "SqlIndex" and len(parts) >= 3:
            # as the script reader records it: `<table>.<index>` in the table's schema (index names are per table)
            obj = SourceObject(parts[0], f"{parts[1]}.{parts[-1]}", "index", _index_text(element, parts), MODEL_FILE)
        elif len(parts) >= 2:
            obj = SourceObject(parts[0], parts[1], _RECORDED_TYPES[element_type], _recorded_text(element, element_type, parts), MODEL_FILE)
        else:
            self.finding("warning", f"{element_type} element with an unreadable Name ignored: {element.get('Name')!r}")
            return
        self.recorded.append(obj)

    # ------------------------------------------------------------ finish

    def finish(self, postdeploy: bytes | None) -> Catalog:
        for table in self.tables.values():
            table.obj.body = _table_text(table)
        with tempfile.TemporaryDirectory(prefix="dacpac-") as scratch:
            self._read_as_scripts(Path(scratch), postdeploy)
        self.catalog.objects = [t.obj for t in self.tables.values()] + [m.obj for m in self.modules] + self.recorded
        return self.catalog

    def _read_as_scripts(self, folder: Path, postdeploy: bytes | None) -> None:
        """The rebuilt estate, and postdeploy.sql, read by the script reader itself.

        It gives the modules their parameters, function kind, body and dependencies, the
        postdeploy INSERTs their rows (the CREATE TABLEs tell it the columns of an INSERT
        without a column list), and the whole estate the checks every script catalog gets
        (references to missing objects, cycles). Findings about the rebuilt text point at
        model.xml; findings about postdeploy.sql keep their file and line.
        """
        model = folder / "model"
        (model / "modules").mkdir(parents=True)
        (model / "0_tables.sql").write_text("\nGO\n".join(t.obj.body for t in self.tables.values()), encoding="utf-8")
        (model / "1_recorded.sql").write_text("\nGO\n".join(o.body for o in self.recorded), encoding="utf-8")
        files: dict[str, _Module] = {}
        for index, module in enumerate(self.modules):
            file = f"model/modules/{index:06d}.sql"
            (folder / file).write_text(module.text, encoding="utf-8")
            files[file] = module
        if postdeploy is not None:
            self._write_postdeploy(folder / POSTDEPLOY_FILE, postdeploy)
        scripted = read_catalog(folder)
        # by file, not by key: a header annotation may name the object without its schema
        by_file = {obj.file: obj for obj in scripted.objects if obj.file in files}
        for file, module in files.items():
            _copy_module_fields(module, by_file.get(file))
        self.catalog.data = scripted.data
        for finding in scripted.findings:
            if finding.file == POSTDEPLOY_FILE:
                self.catalog.findings.append(finding)
                continue
            module = files.get(finding.file or "")
            self.finding(finding.severity, finding.message, finding.object or (module.obj.source if module else None))

    def _write_postdeploy(self, path: Path, raw: bytes) -> None:
        try:
            path.write_text(decode_script(raw), encoding="utf-8")
        except UnicodeDecodeError as error:
            self.finding("error", f"cannot read the file, skipped: {error}", file=POSTDEPLOY_FILE)


def _copy_module_fields(module: _Module, scripted: SourceObject | None) -> None:
    obj = module.obj
    if scripted is None:  # the script reader did not see a module there: keep the text
        obj.body = module.text
        return
    obj.body = scripted.body
    obj.parameters = scripted.parameters
    obj.function_kind = scripted.function_kind
    obj.reads, obj.writes, obj.calls = scripted.reads, scripted.writes, scripted.calls


def _last_part(reference: str | None) -> str:
    parts = name_parts(reference or "")
    return parts[-1] if parts else ""


# ---------------------------------------------------------------- rebuilt T-SQL text


def _column_line(column: Column, element: ElementTree.Element) -> str:
    if column.computed is not None:
        persisted = " PERSISTED" if is_flag_set(element, "IsPersisted") else ""
        return f"{quoted_name(column.name)} AS ({column.computed}){persisted}"
    identity = ""
    if column.identity:
        seed = property_text(element, "IdentitySeed") or "1"
        increment = property_text(element, "IdentityIncrement") or "1"
        identity = f" IDENTITY({seed},{increment})"
    null = "NULL" if column.nullable else "NOT NULL"
    return f"{quoted_name(column.name)} {column.data_type}{identity} {null}"


def _table_text(table: _Table) -> str:
    lines = ",\n    ".join(table.column_lines + table.constraint_lines)
    return f"CREATE TABLE {quoted_name(table.obj.schema, table.obj.name)} (\n    {lines}\n)"


def _parameter_text(element: ElementTree.Element) -> str:
    parts = name_parts(element.get("Name", ""))
    text = f"{parts[-1] if parts else '@'} {type_text(element)}"
    default = property_text(element, "DefaultExpressionScript")
    if default is not None:
        text += f" = {default.strip()}"
    if is_flag_set(element, "IsOutput"):
        text += " OUTPUT"
    if is_flag_set(element, "IsReadOnly"):
        text += " READONLY"
    return text


def _module_header(element: ElementTree.Element, element_type: str, schema: str, name: str) -> str:
    """`CREATE <kind> [schema].[name] ... AS` from the XML, for a dacpac without header annotations."""
    qualified = quoted_name(schema, name)
    parameters = [_parameter_text(p) for p in related_elements(element, "Parameters")]
    if element_type == "SqlView":
        return f"CREATE VIEW {qualified}\nAS"
    if element_type == "SqlProcedure":
        listed = f" {', '.join(parameters)}" if parameters else ""
        return f"CREATE PROCEDURE {qualified}{listed}\nAS"
    if element_type == "SqlDmlTrigger":
        return _trigger_header(element, qualified)
    return f"CREATE FUNCTION {qualified}({', '.join(parameters)})\nRETURNS {_returns(element, element_type)}\nAS"


def _returns(element: ElementTree.Element, element_type: str) -> str:
    if element_type == "SqlScalarFunction":
        return type_text(element)
    if element_type == "SqlInlineTableValuedFunction":
        return "TABLE"
    columns = [f"{quoted_name(_last_part(c.get('Name')))} {type_text(c)}" for c in related_elements(element, "Columns")]
    variable = property_text(element, "ReturnTableVariableName") or "@result"
    return f"{variable} TABLE ({', '.join(columns)})"


def _trigger_header(element: ElementTree.Element, qualified: str) -> str:
    parent = quoted_name(*name_parts(referenced_name(element, "Parent") or "")[:2])
    timing = _TRIGGER_TIMING.get(property_text(element, "SqlTriggerType") or "2", "AFTER")
    events = [event for event, flag in (("INSERT", "IsInsertTrigger"), ("UPDATE", "IsUpdateTrigger"), ("DELETE", "IsDeleteTrigger")) if is_flag_set(element, flag)]
    return f"CREATE TRIGGER {qualified} ON {parent} {timing} {', '.join(events)}\nAS"


def _index_text(element: ElementTree.Element, parts: list[str]) -> str:
    unique = "UNIQUE " if is_flag_set(element, "IsUnique") else ""
    clustered = "CLUSTERED " if is_flag_set(element, "IsClustered") else "NONCLUSTERED "
    columns = []
    for spec in related_elements(element, "ColumnSpecifications"):
        order = " DESC" if (property_text(spec, "IsAscending") or "").lower() == "false" else ""
        columns.append(quoted_name(_last_part(referenced_name(spec, "Column"))) + order)
    on = quoted_name(*parts[:2])
    return f"CREATE {unique}{clustered}INDEX {quoted_name(parts[-1])} ON {on} ({', '.join(columns)})"


def _recorded_text(element: ElementTree.Element, element_type: str, parts: list[str]) -> str:
    qualified = quoted_name(*parts[:2])
    if element_type == "SqlSequence":
        start = property_text(element, "StartValue") or "1"
        increment = property_text(element, "IncrementValue") or "1"
        typed = f" AS {type_text(element)}" if type_text(element) else ""
        return f"CREATE SEQUENCE {qualified}{typed} START WITH {start} INCREMENT BY {increment}"
    if element_type == "SqlSynonym":
        target = referenced_name(element, "ForObject") or property_text(element, "ForObjectScript") or ""
        return f"CREATE SYNONYM {qualified} FOR {target}"
    if element_type == "SqlUserDefinedDataType":
        base = type_name(referenced_name(element, "Type") or "")
        base += type_arguments(element, base)
        null = " NULL" if property_text(element, "IsNullable") in (None, "True") else " NOT NULL"
        return f"CREATE TYPE {qualified} FROM {base}{null}"
    columns = [f"{quoted_name(_last_part(c.get('Name')))} {type_text(c)}" for c in related_elements(element, "Columns")]
    return f"CREATE TYPE {qualified} AS TABLE ({', '.join(columns)})"
