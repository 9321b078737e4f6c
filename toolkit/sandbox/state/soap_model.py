"""The entity model of a WSDL, for SOAP state: which operations create, read, update, delete and list what.

Read from operation names, the way SOAP APIs name them (WSDLs rarely carry examples, and nothing else in a
WSDL says what an operation does): ``Create|Add|Insert<E>``, ``Get|Read|Retrieve<E>`` (and ``Find<E>ById``),
``Update|Modify|Set<E>``, ``Delete|Remove<E>``, ``List|Search|Query<E>s``. An entity is kept when it has a
create and a read operation and the read's answer carries it as a child element with an id element
(``id``, ``Id`` or ``<entity>Id``, case-insensitively): ``CreateAccount``/``GetAccount``/``UpdateAccount``/
``SearchAccounts`` over ``<GetAccountResponse><account><id>`` give the entity ``Account`` keyed by ``id``.
An entity without a create (read-only reference data) keeps answering generated data, unless a seed file
(``mocks/<api>/seed.json``, ``soap_seeds``) names it: then its reads answer the seeded entities.

Each entity keeps a *template*: one generated instance of its read operation's answer element, in which a
stored entity is placed and checked against the XSD (the validator needs a global element around it).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from lxml import etree

from toolkit.mock.seed import rng_for
from toolkit.soap.generate.generator import XsdGenerationError
from toolkit.soap.mock.dispatch import PortOperation
from toolkit.soap.mock.handler import SoapMock

__all__ = ["Entity", "Kind", "SoapModel", "compile_model", "is_id_name", "local"]


class Kind(enum.Enum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    LIST = "list"


def _verbs(*words: str) -> str:
    """The verbs as .NET (``GetAccount``) and Java/Axis (``getAccount``) services spell operation names."""
    return "(?:" + "|".join(f"[{w[0].upper()}{w[0].lower()}]{w[1:]}" for w in words) + ")"


_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.READ, re.compile(rf"^{_verbs('Find')}([A-Z]\w*?)ById$")),
    (Kind.CREATE, re.compile(rf"^{_verbs('Create', 'Add', 'Insert')}([A-Z]\w*)$")),
    (Kind.READ, re.compile(rf"^{_verbs('Get', 'Read', 'Retrieve')}([A-Z]\w*?)(?:ById)?$")),
    (Kind.UPDATE, re.compile(rf"^{_verbs('Update', 'Modify', 'Set')}([A-Z]\w*)$")),
    (Kind.DELETE, re.compile(rf"^{_verbs('Delete', 'Remove')}([A-Z]\w*)$")),
    (Kind.LIST, re.compile(rf"^{_verbs('List', 'Search', 'Query')}([A-Z]\w*)$")),
)


@dataclass
class Entity:
    """One entity: its operations by kind, its element in the read answer, its id element, a template."""

    name: str  # "Account"
    operations: dict[Kind, str] = field(default_factory=dict)  # kind -> operation name
    element: str = ""  # local name of the entity element in the read answer ("account")
    id_name: str = ""  # local name of its id element ("id")
    template: bytes = field(
        default=b"", repr=False
    )  # a generated read answer element (serialized), holding one entity element

    def template_tree(self) -> etree._Element:
        """A fresh copy of the template: the read answer's element, its entity element to be replaced."""
        return etree.fromstring(self.template, STORED_XML)


@dataclass
class SoapModel:
    entities: dict[str, Entity]  # by name
    operations: dict[str, tuple[Kind, Entity]]  # operation name -> what it does to which entity
    skipped: list[str] = field(default_factory=list)  # why an entity named by operations has no state


# for the XML the layer itself stored or generated: no entities, no network, no DTD all the same
STORED_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def is_id_name(name: str, entity: str) -> bool:
    return name.lower() in ("id", f"{entity.lower()}id")


def _classify(name: str) -> tuple[Kind, str] | None:
    for kind, pattern in _PATTERNS:
        found = pattern.match(name)
        if found:
            return kind, found.group(1)
    return None


def _singular(plural: str, names: set[str]) -> str | None:
    for candidate in (plural, plural[:-1], plural[:-2], plural[:-3] + "y"):
        if candidate in names and (candidate == plural or plural in (candidate + "s", candidate + "es")
                                   or plural == candidate[:-1] + "ies"):  # fmt: skip
            return candidate
    return None


def compile_model(mock: SoapMock, seeded: Collection[str] = ()) -> SoapModel:
    """The entities the mock's WSDL names (see the module's docstring); ``seeded``: the entities a seed file
    names, kept with a read operation alone (reference data the seed file fills)."""
    by_name: dict[str, PortOperation] = {}
    for port in mock.ports:
        for op in port.operations:
            if op.output is not None and op.request_qname and op.response_qname:
                by_name.setdefault(op.name, op)
    classified = {name: found for name in by_name if (found := _classify(name)) is not None}
    entities: dict[str, Entity] = {}
    for name, (kind, noun) in classified.items():
        if kind is not Kind.LIST:
            entities.setdefault(noun, Entity(noun)).operations.setdefault(kind, name)
    for name, (kind, noun) in classified.items():
        if kind is Kind.LIST:
            singular = _singular(noun, set(entities))
            if singular is not None:
                entities[singular].operations.setdefault(Kind.LIST, name)
    skipped: list[str] = []
    kept: dict[str, Entity] = {}
    for noun, entity in entities.items():
        if Kind.READ not in entity.operations or (Kind.CREATE not in entity.operations and noun not in seeded):
            why = "no read operation" if Kind.READ not in entity.operations else "no create operation"
            skipped.append(f"{noun}: {why}")
            continue
        read = by_name[entity.operations[Kind.READ]]
        why = _fill_template(mock, entity, read)
        if why:
            skipped.append(f"{noun}: {why}")
            continue
        kept[noun] = entity
    operations = {name: (kind, entity) for entity in kept.values() for kind, name in entity.operations.items()}
    return SoapModel(kept, operations, skipped)


def _fill_template(mock: SoapMock, entity: Entity, read: PortOperation) -> str:
    """Find the entity element and its id in a generated read answer; keep that answer as the template."""
    assert read.response_qname is not None
    try:
        sample = mock.generator.element(read.response_qname, rng_for(mock.options.seed, ("state", entity.name)))
    except XsdGenerationError as error:
        return f"no answer of {read.name} could be generated ({error.message})"
    children = [child for child in sample if isinstance(child.tag, str)]
    named = [child for child in children if local(child).lower() == entity.name.lower()]
    complex_children = [child for child in children if len(child)]
    chosen = named[0] if named else complex_children[0] if len(complex_children) == 1 else None
    if chosen is None:
        return f"the answer of {read.name} has no <{entity.name[0].lower()}{entity.name[1:]}> element"
    ids = [child for child in chosen if isinstance(child.tag, str) and is_id_name(local(child), entity.name)]
    if not ids:
        return f"<{local(chosen)}> in the answer of {read.name} has no id element"
    entity.element = local(chosen)
    entity.id_name = local(ids[0])
    entity.template = bytes(etree.tostring(sample))
    return ""
