"""Seed entities for SOAP state, built as XML and checked against the XSD: ``{"Account": [{"id": ..., ...}]}``.

Keyed by entity (``soap_model``: ``Account`` for ``CreateAccount``/``GetAccount``). An item names the entity
element's children by local name: a string, number or boolean is an element's text, an object a complex
element's children, an array a repeated element; ``"@status"`` is an attribute. The id element is required.

Each item is built inside the entity's template (a generated answer of its read operation, valid against the
XSD) one change at a time, the read answer validated with the mock's own ``XsdValidator`` after each: a value
replaces the generated one where the template has the element, an element the template lacks is inserted at
the first position where the answer validates (so the seed need not follow the schema's order, except inside
an element the template lacks), and then every generated element and attribute the seed does not name is
taken out, unless the XSD requires it. The first change that makes the answer invalid is refused with
libxml2's words, the item's file and line: the stored entity is always one the read operation may answer.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from toolkit.sandbox.state.seeds import SeedFile, SeedItem, did_you_mean
from toolkit.sandbox.state.soap_model import Entity, SoapModel, local
from toolkit.soap.mock.envelope import detached
from toolkit.soap.mock.handler import SoapMock

__all__ = ["built_seeds"]

_SHOWN = 300  # characters of libxml2's message quoted


def built_seeds(mock: SoapMock, model: SoapModel, seeds: SeedFile) -> dict[str, dict[str, str]]:
    """Entity name -> id -> the entity element as XML text (the stored form), every item checked."""
    out: dict[str, dict[str, str]] = {}
    for key, items in seeds.entries.items():
        entity = model.entities.get(key)
        if entity is None:
            why = next((line.partition(": ")[2] for line in model.skipped if line.startswith(f"{key}: ")), None)
            if why is not None:
                raise seeds.refuse_key(key, f"{key!r} is an entity ctk keeps no state for ({why})")
            names = sorted(model.entities)
            hint = did_you_mean(key, names) or (
                f"the entities with state: {', '.join(names)}" if names else "this WSDL has no entity with state"
            )
            raise seeds.refuse_key(key, f"the WSDL has no entity {key!r}", hint)
        built: dict[str, str] = {}
        for item in items:
            identifier, text = _Builder(mock, entity, item).build()
            if identifier in built:
                raise item.refuse(f"the {entity.name} {identifier!r} is seeded twice")
            built[identifier] = text
        out[key] = built
    return out


class _Builder:
    """One seed item made into an entity element, inside a copy of the entity's template."""

    def __init__(self, mock: SoapMock, entity: Entity, item: SeedItem) -> None:
        self.mock = mock
        self.entity = entity
        self.item = item
        self.root = entity.template_tree()

    def build(self) -> tuple[str, str]:
        entity = self.entity
        identifier = self.item.value.get(entity.id_name)
        if isinstance(identifier, bool) or not isinstance(identifier, str | int) or identifier == "":
            raise self.item.refuse(
                f"each {entity.name} needs its id element {entity.id_name!r}", hint=f'add "{entity.id_name}"'
            )
        slot = next(child for child in self.root if isinstance(child.tag, str) and local(child) == entity.element)
        self._fill(slot, self.item.value, entity.element)
        return str(identifier), etree.tostring(slot, encoding="unicode")

    def _fill(self, target: etree._Element, data: dict[str, Any], path: str) -> None:
        for name, given in data.items():
            if name.startswith("@"):
                self._attribute(target, name[1:], given, path)
                continue
            place = f"{path}/{name}"
            existing = [child for child in target if isinstance(child.tag, str) and local(child) == name]
            if len(existing) == 1 and not isinstance(given, list):
                if isinstance(given, dict) and len(existing[0]):
                    self._fill(existing[0], given, place)
                    continue
                if not isinstance(given, dict):
                    if len(existing[0]):
                        raise self.item.refuse(f"{place} is a complex element: give an object, not {_shown(given)}")
                    existing[0].text = _text(given, place, self.item)
                    self._check(f"{place} = {_shown(given)}")
                    continue
            self._replace(target, name, given, existing, place)
        self._trim(target, data, path)

    def _replace(
        self, target: etree._Element, name: str, given: Any, existing: list[etree._Element], place: str
    ) -> None:
        """The elements named ``name`` made what the seed says: the template's ones replaced in place, else the new
        ones inserted where the answer validates."""
        values = given if isinstance(given, list) else [given]
        namespace = _child_namespace(target)
        made = [self._element(namespace, name, value, place) for value in values]
        position = target.index(existing[0]) if existing else None
        for old in existing:
            target.remove(old)
        if position is not None:
            for offset, element in enumerate(made):
                target.insert(position + offset, element)
            self._check(place)
            return
        for position in range(len(target) + 1):
            for offset, element in enumerate(made):
                target.insert(position + offset, element)
            if self._valid():
                return
            for element in made:
                target.remove(element)
        known = sorted({local(child) for child in target if isinstance(child.tag, str)})
        raise self.item.refuse(
            f"{place} fits nowhere in <{local(target)}>: the XSD has no such element there, or its value does not fit",
            hint=did_you_mean(name, known),
        )

    def _element(self, namespace: str | None, name: str, value: Any, place: str) -> etree._Element:
        element = etree.Element(etree.QName(namespace, name).text if namespace else name)
        if isinstance(value, dict):
            for child_name, child in value.items():
                if child_name.startswith("@"):
                    element.set(child_name[1:], _text(child, f"{place}/{child_name}", self.item))
                    continue
                for each in child if isinstance(child, list) else [child]:
                    element.append(self._element(namespace, child_name, each, f"{place}/{child_name}"))
        elif isinstance(value, list):
            raise self.item.refuse(f"{place}: an array inside an array has no XML form")
        else:
            element.text = _text(value, place, self.item)
        return element

    def _attribute(self, target: etree._Element, name: str, given: Any, path: str) -> None:
        key = next((k for k in target.attrib if etree.QName(k).localname == name), name)
        target.set(key, _text(given, f"{path}/@{name}", self.item))
        self._check(f"{path}/@{name} = {_shown(given)}")

    def _trim(self, target: etree._Element, data: dict[str, Any], path: str) -> None:
        """Take out what the template generated and the seed does not name, where the XSD allows."""
        for child in [child for child in target if isinstance(child.tag, str) and local(child) not in data]:
            position = target.index(child)
            target.remove(child)
            if not self._valid():
                target.insert(position, child)
                raise self.item.refuse(f"{path}/{local(child)} is required by the XSD", hint="give it in the seed")
        for key in [key for key in target.attrib if f"@{etree.QName(key).localname}" not in data]:
            value = target.attrib.pop(key)
            if not self._valid():
                target.set(key, value)
                raise self.item.refuse(
                    f"{path}/@{etree.QName(key).localname} is a required attribute", hint="give it in the seed"
                )

    def _check(self, what: str) -> None:
        """Refuse the item at the first change that makes the read answer invalid (libxml2 says why)."""
        violations = self.mock.validator.validate(detached(self.root))
        if violations:
            message = violations[0].message
            message = message if len(message) <= _SHOWN else message[: _SHOWN - 3] + "..."
            raise self.item.refuse(f"{what} does not fit the XSD: {message}")

    def _valid(self) -> bool:
        return not self.mock.validator.validate(detached(self.root))


def _child_namespace(target: etree._Element) -> str | None:
    """The namespace new children of ``target`` take: its element children's, else its own (qualified forms)."""
    sibling = next((child for child in target if isinstance(child.tag, str)), None)
    return etree.QName(sibling if sibling is not None else target).namespace


def _text(value: Any, place: str, item: SeedItem) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if value is None:
        raise item.refuse(f"{place} is null: XML has no null here", hint="leave the element out")
    raise item.refuse(f"{place} must be text (a string, number or boolean), not {_shown(value)}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
