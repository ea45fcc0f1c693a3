"""Reading a dacpac's model.xml: names, properties, relationships and type specifiers of its
`<Element>`s, in the DAC serialization namespace."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from migrator_pipeline.tsql.identifiers import bracketed
from migrator_pipeline.tsql.lexer import tokenize
from migrator_pipeline.tsql.tokens import matching_paren

NAMESPACE = "http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02"
NS = f"{{{NAMESPACE}}}"  # how ElementTree spells a tag in the namespace: f"{NS}Element"
# fractional-seconds types: their SqlTypeSpecifier says `Scale`, written `datetime2(3)`
_SCALE_ONLY_TYPES = frozenset({"datetime2", "time", "datetimeoffset"})
_BRACKETED = re.compile(r"\[((?:[^\]]|\]\])*)\]")
_TSQL_STRING = re.compile(r"^\s*[Nn]?'((?:[^']|'')*)'\s*$")


def name_parts(name: str) -> list[str]:
    """`[dbo].[Customers].[Name]` -> ["dbo", "Customers", "Name"]."""
    return [part.replace("]]", "]") for part in _BRACKETED.findall(name)]


def quoted_name(*parts: str) -> str:
    return ".".join(bracketed(part) for part in parts)


def property_text(element: ElementTree.Element, name: str) -> str | None:
    """A property's value: the `Value` attribute, or the text of its `<Value>` child (CDATA)."""
    for prop in element.findall(f"{NS}Property"):
        if prop.get("Name") != name:
            continue
        if prop.get("Value") is not None:
            return prop.get("Value")
        value = prop.find(f"{NS}Value")
        return (value.text or "") if value is not None else None
    return None


def is_flag_set(element: ElementTree.Element, name: str) -> bool:
    return (property_text(element, name) or "").lower() == "true"


def relationship_entries(element: ElementTree.Element, relationship: str) -> list[ElementTree.Element]:
    """The entries of a relationship: each an `<Element>` or a `<References>`."""
    for rel in element.findall(f"{NS}Relationship"):
        if rel.get("Name") == relationship:
            return [child for entry in rel.findall(f"{NS}Entry") for child in entry]
    return []


def related_elements(element: ElementTree.Element, relationship: str) -> list[ElementTree.Element]:
    return [e for e in relationship_entries(element, relationship) if e.tag == f"{NS}Element"]


def referenced_names(element: ElementTree.Element, relationship: str) -> list[str]:
    return [e.get("Name", "") for e in relationship_entries(element, relationship) if e.tag == f"{NS}References"]


def referenced_name(element: ElementTree.Element, relationship: str) -> str | None:
    found = referenced_names(element, relationship)
    return found[0] if found else None


def header_annotation(element: ElementTree.Element, name: str) -> str | None:
    for annotation in element.findall(f"{NS}Annotation"):
        if annotation.get("Type") == "SysCommentsObjectAnnotation" and (value := property_text(annotation, name)):
            return value
    return None


def type_text(host: ElementTree.Element) -> str:
    """The data type of a column, parameter or function, as the script reader spells it.

    Lower case, no spaces: `nvarchar(50)`, `decimal(10,2)`, `varchar(max)`, `dbo.phone`.
    """
    entries = relationship_entries(host, "TypeSpecifier") or relationship_entries(host, "Type")
    if not entries:
        return ""
    spec = entries[0]
    if spec.tag == f"{NS}References":
        return type_name(spec.get("Name", ""))
    base = type_name(referenced_name(spec, "Type") or "")
    return base + type_arguments(spec, base)


def type_name(reference: str) -> str:
    return ".".join(name_parts(reference)).lower()


def type_arguments(spec: ElementTree.Element, base: str) -> str:
    if is_flag_set(spec, "IsMax"):
        return "(max)"
    length, precision, scale = (property_text(spec, n) for n in ("Length", "Precision", "Scale"))
    if length is not None:
        return f"({length})"
    if base in _SCALE_ONLY_TYPES:
        return f"({scale})" if scale is not None else ""
    if precision is not None and scale is not None:
        return f"({precision},{scale})"
    return f"({precision})" if precision is not None else ""


def strip_parens(text: str) -> str:
    """An expression without the parentheses wrapped around all of it: `((0))` -> `0`."""
    text = text.strip()
    tokens = tokenize(text)
    while len(tokens) > 2 and tokens[0].text == "(" and matching_paren(tokens, 0) == len(tokens) - 1:
        text = text[tokens[0].end : tokens[-1].start].strip()
        tokens = tokenize(text)
    return text


def string_literal_text(script: str) -> str:
    """An extended property's value script (`N'Customer'`) as the text it stands for."""
    match = _TSQL_STRING.match(script)
    return match.group(1).replace("''", "'") if match else script.strip()
