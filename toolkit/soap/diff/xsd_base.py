"""What every part of the XSD comparison shares: both indexes, the findings, the component being compared.

The schema rules are split by construct (content models in ``xsd_content``, declarations in
``xsd_declarations``, simple types in ``xsd_simple_types``) and joined in ``xsd.SchemaDiff``.
They recurse into each other (a content model holds declarations, a declaration may hold an inline
complex type), so this base names the three entry points each part offers the others; that keeps
every module readable and type-checked on its own.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from toolkit.soap.diff.rules import Finding
from toolkit.soap.diff.value_spaces import CHANGED, NARROWED, WIDENED
from toolkit.soap.wsdl import local_name
from toolkit.soap.xsd.schema_index import Key, SchemaIndex, namespace_of, path


def type_kind(flags: set[str]) -> str | None:
    if not flags:
        return None
    if CHANGED in flags:
        return "type-changed"
    if flags == {NARROWED, WIDENED}:
        return "type-narrowed-widened"
    return "type-narrowed" if NARROWED in flags else "type-widened"


def is_true(value: str | None) -> bool:
    return value is not None and value.strip() in ("true", "1")


class XsdRules:
    """The state of one schema comparison and the way findings are recorded."""

    def __init__(self, old: SchemaIndex, new: SchemaIndex, renames: dict[Key, Key], used: Callable[[Key], bool]):
        self.old, self.new, self.renames, self.used = old, new, renames, used
        self.findings: list[Finding] = []
        self.component: Key = ("", "")
        self._active: set[tuple[int, int]] = set()

    def add(
        self,
        kind: str,
        message: str,
        old: etree._Element | None,
        new: etree._Element | None,
        old_attribute: str | None = None,
        new_attribute: str | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                kind,
                message,
                path(old, old_attribute) if old is not None else None,
                path(new, new_attribute) if new is not None else None,
                component=self.component,
            )
        )

    def renamed(self, kind: str, name: str | None) -> str | None:
        if name is None:
            return None
        return self.renames.get((kind, name), (kind, name))[1]

    def owner(self) -> str:
        return f"{self.component[0]} '{local_name(self.component[1])}'"

    def namespace(self) -> str:
        return namespace_of(self.component[1])

    # --- what the parts offer each other (implemented in their own modules) ------------------------

    def compare_complex(self, old: etree._Element, new: etree._Element) -> None:
        raise NotImplementedError  # xsd_content.ContentRules

    def compare_declaration(self, old: etree._Element, new: etree._Element) -> None:
        raise NotImplementedError  # xsd_declarations.DeclarationRules

    def compare_simple(self, old: etree._Element, new: etree._Element) -> None:
        raise NotImplementedError  # xsd_simple_types.SimpleTypeRules
