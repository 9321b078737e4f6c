"""XML Schema components → generator nodes, each compiled once and cached.

The index is built from the same standalone schema copies the validator compiles (in-scope prefixes
kept, unprefixed built-in names repaired, built-in soapenc/xml/xmime schemas added), so generator
and validator read one schema set. Types compile on first use; element declarations reference
their type lazily, which is what lets recursive types compile at all.
"""

from __future__ import annotations

import re

from lxml import etree

from toolkit.soap.generate.builtin_types import LIST_BUILTINS
from toolkit.soap.generate.components import Index, Scope, children, occurs
from toolkit.soap.generate.nodes import (
    AnyNode,
    ArrayGen,
    AttributeGen,
    ChoiceNode,
    ElementDecl,
    ElementParticle,
    Node,
    SequenceNode,
    TypeGen,
)  # fmt: skip
from toolkit.soap.generate.simple_types import Facets, SimpleType
from toolkit.soap.wsdl import WSDL, XSD, split_clark
from toolkit.soap.xsd.builtin import SOAP12_ENCODING, SOAP_ENCODING, XSD_BUILTIN_TYPES
from toolkit.soap.xsd.regex import translate
from toolkit.soap.xsd.schema_index import is_xsd

_ARRAY_TYPES = {f"{{{SOAP_ENCODING}}}Array", f"{{{SOAP12_ENCODING}}}Array"}
_INT_FACETS = {"length": "length", "minLength": "min_length", "maxLength": "max_length",
               "totalDigits": "total_digits", "fractionDigits": "fraction_digits"}  # fmt: skip
_TEXT_FACETS = {"minInclusive": "min_inclusive", "maxInclusive": "max_inclusive", "minExclusive": "min_exclusive",
                "maxExclusive": "max_exclusive", "whiteSpace": "whitespace"}  # fmt: skip


class Compiler:
    """Compiles and caches generator nodes for components of one ``Index``."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.types: dict[str, TypeGen] = {}
        self.simple_types: dict[str, SimpleType] = {}
        self.elements: dict[str, ElementDecl] = {}
        self.unknown: list[str] = []  # references to components the schema set lacks

    # -- elements ----------------------------------------------------------------------------------
    def global_element(self, name: str) -> ElementDecl | None:
        if name in self.elements:
            return self.elements[name]
        entry = self.index.tables["element"].get(name)
        if entry is None:
            return None
        decl = self._declare(entry.node, entry.scope, name)
        decl.substitutes = lambda: self._substitutes(name)
        self.elements[name] = decl
        return decl

    def _substitutes(self, head: str, seen: frozenset[str] = frozenset()) -> list[ElementDecl]:
        found: list[ElementDecl] = []
        for member in self.index.substitutes.get(head, []):
            if member in seen:
                continue
            decl = self.global_element(member)
            if decl is not None:
                found.append(decl)
                found.extend(self._substitutes(member, seen | {head}))
        return found

    def _declare(self, node: etree._Element, scope: Scope, tag: str) -> ElementDecl:
        type_attr = node.get("type")
        type_name = self.index.resolve(node, type_attr, scope) if type_attr else None

        def resolve_type() -> TypeGen:
            if type_name is not None:
                return self.type(type_name)
            inline = next((child for child in node if is_xsd(child, "complexType", "simpleType")), None)
            if inline is None:
                return TypeGen(f"{{{XSD}}}anyType", simple=SimpleType("string"))
            return self._anonymous(inline, scope)

        return ElementDecl(
            tag=tag,
            type_name=type_name,
            resolve_type=resolve_type,
            abstract=node.get("abstract") in ("true", "1"),
            nillable=node.get("nillable") in ("true", "1"),
            fixed=node.get("fixed"),
            derived=lambda: self._derived(type_name),
        )

    def _derived(self, base: str | None, seen: frozenset[str] = frozenset()) -> list[TypeGen]:
        if base is None:
            return []
        found: list[TypeGen] = []
        for name in self.index.derived.get(base, []):
            if name not in seen:
                found.append(self.type(name))
                found.extend(self._derived(name, seen | {base}))
        return found

    # -- types -------------------------------------------------------------------------------------
    def type(self, name: str) -> TypeGen:
        if name in self.types:
            return self.types[name]
        entry = self.index.tables["type"].get(name)
        if entry is None or is_xsd(entry.node, "simpleType"):
            generated = TypeGen(name, simple=self.simple(name))
            self.types[name] = generated
            return generated
        generated = TypeGen(name)
        self.types[name] = generated  # before compiling: a recursive reference finds this one
        self._complex(entry.node, entry.scope, generated)
        return generated

    def _anonymous(self, node: etree._Element, scope: Scope) -> TypeGen:
        if is_xsd(node, "simpleType"):
            return TypeGen("", simple=self._simple_node(node, scope))
        generated = TypeGen("")
        self._complex(node, scope, generated)
        return generated

    def _complex(self, node: etree._Element, scope: Scope, into: TypeGen) -> None:
        into.abstract = node.get("abstract") in ("true", "1")
        into.mixed = node.get("mixed") in ("true", "1")
        body = children(node)
        content = next((child for child in body if is_xsd(child, "simpleContent", "complexContent")), None)
        if content is None:
            into.content = self._particle_of(body, scope)
            into.attributes = self._attributes(body, scope)
            return
        derivation = next((child for child in children(content) if is_xsd(child, "extension", "restriction")), None)
        if derivation is None:
            return
        parts = children(derivation)
        base_name = self.index.resolve(derivation, derivation.get("base", "xs:anyType"), scope)
        own_attributes = self._attributes(parts, scope)
        if is_xsd(content, "simpleContent"):
            self._simple_content(derivation, parts, base_name, scope, into)
            into.attributes = _merge(into.attributes, own_attributes)
            return
        into.mixed = into.mixed or content.get("mixed") in ("true", "1")
        if is_xsd(derivation, "restriction") and base_name in _ARRAY_TYPES:
            into.array = self._array(derivation, scope)
            return
        base = self.type(base_name) if base_name != f"{{{XSD}}}anyType" else TypeGen(base_name)
        own = self._particle_of(parts, scope)
        if is_xsd(derivation, "extension"):
            pieces = [piece for piece in (base.content, own) if piece is not None]
            into.content = pieces[0] if len(pieces) == 1 else SequenceNode(pieces) if pieces else None
            into.simple = base.simple if not pieces else None
        else:
            into.content = own
        into.attributes = _merge(base.attributes, own_attributes)

    def _simple_content(
        self, derivation: etree._Element, parts: list[etree._Element], base_name: str, scope: Scope, into: TypeGen
    ) -> None:
        entry = self.index.tables["type"].get(base_name)
        if entry is not None and is_xsd(entry.node, "complexType"):
            base = self.type(base_name)
            simple = base.simple or SimpleType("string")
            into.attributes = list(base.attributes)
        else:
            simple = self.simple(base_name)
        if is_xsd(derivation, "restriction"):
            inline = next((child for child in parts if is_xsd(child, "simpleType")), None)
            if inline is not None:
                simple = self._simple_node(inline, scope)
            simple = _restricted(simple, _facets(parts))
        into.simple = simple

    def _array(self, derivation: etree._Element, scope: Scope) -> ArrayGen:
        item_type, item_tag = f"{{{XSD}}}anyType", "item"
        for node in derivation.iter():
            array_type = node.get(f"{{{WSDL}}}arrayType") if isinstance(node.tag, str) else None
            if array_type:
                item_type = self.index.resolve(node, re.sub(r"(\[[\d,\s]*\])+$", "", array_type), scope)
            if is_xsd(node, "element") and node.get("name"):
                item_tag = node.get("name", "item")
                if node.get("type") and not array_type:
                    item_type = self.index.resolve(node, node.get("type", ""), scope)
        return ArrayGen(item_tag, item_type, f"{{{SOAP_ENCODING}}}arrayType", self.type)

    # -- particles ---------------------------------------------------------------------------------
    def _particle_of(self, body: list[etree._Element], scope: Scope) -> Node | None:
        for child in body:
            if is_xsd(child, "sequence", "choice", "all", "group"):
                return self._particle(child, scope)
        return None

    def _particle(self, node: etree._Element, scope: Scope, seen: frozenset[str] = frozenset()) -> Node:
        low, high = occurs(node)
        if is_xsd(node, "element"):
            return ElementParticle(self._element_use(node, scope), low, high)
        if is_xsd(node, "any"):
            return AnyNode(self._any_namespace(node, scope), lambda: self._strict(node, scope), low, high)
        if is_xsd(node, "group"):
            name = self.index.resolve(node, node.get("ref", ""), scope)
            entry = self.index.tables["group"].get(name)
            if entry is None or name in seen:
                self.unknown.append(name)
                return SequenceNode([], low, high)
            inner = self._particle_of(children(entry.node), entry.scope)
            return SequenceNode([inner] if inner else [], low, high)
        parts = [self._particle(child, scope, seen) for child in children(node)
                 if is_xsd(child, "element", "any", "group", "sequence", "choice")]  # fmt: skip
        if is_xsd(node, "choice"):
            return ChoiceNode(parts, low, high)
        return SequenceNode(parts, low, high, all_group=is_xsd(node, "all"))

    def _element_use(self, node: etree._Element, scope: Scope) -> ElementDecl:
        ref = node.get("ref")
        if ref:
            name = self.index.resolve(node, ref, scope)
            decl = self.global_element(name)
            if decl is None:
                self.unknown.append(name)
                return ElementDecl(name, None, lambda: TypeGen("", simple=SimpleType("string")))
            return decl
        form = node.get("form")
        qualified = form == "qualified" if form else scope.qualified_elements
        tag = Index.clark(scope.tns if qualified else "", node.get("name", ""))
        return self._declare(node, scope, tag)

    def _any_namespace(self, node: etree._Element, scope: Scope) -> str:
        allowed = (node.get("namespace") or "##any").split()
        first = allowed[0]
        if first == "##local":
            return ""
        if first == "##targetNamespace":
            return scope.tns
        if first in ("##any", "##other"):
            return "urn:ctk:any" if scope.tns != "urn:ctk:any" else "urn:ctk:other"
        return first

    def _strict(self, node: etree._Element, scope: Scope) -> list[ElementDecl]:
        """Global elements a strict wildcard accepts (the WSDL's own first, built-ins if none)."""
        if node.get("processContents", "strict") != "strict":
            return []
        allowed = (node.get("namespace") or "##any").split()

        def accepts(namespace: str) -> bool:
            if "##any" in allowed:
                return True
            if "##other" in allowed:
                return namespace not in (scope.tns, "")
            return namespace in allowed or (namespace == scope.tns and "##targetNamespace" in allowed) or (
                namespace == "" and "##local" in allowed)  # fmt: skip

        names = [name for name, entry in self.index.tables["element"].items() if accepts(entry.scope.tns)]
        own = [name for name in names if self.index.tables["element"][name].scope.tns not in
               self.index.builtin_namespaces]  # fmt: skip
        decls = [self.global_element(name) for name in (own or names)[:8]]
        return [decl for decl in decls if decl is not None and not decl.abstract]

    # -- attributes --------------------------------------------------------------------------------
    def _attributes(
        self, body: list[etree._Element], scope: Scope, seen: frozenset[str] = frozenset()
    ) -> list[AttributeGen]:
        found: list[AttributeGen] = []
        for child in body:
            if is_xsd(child, "attribute"):
                found.append(self._attribute(child, scope))
            elif is_xsd(child, "attributeGroup") and child.get("ref"):
                name = self.index.resolve(child, child.get("ref", ""), scope)
                entry = self.index.tables["attributeGroup"].get(name)
                if entry is not None and name not in seen:
                    found = _merge(found, self._attributes(children(entry.node), entry.scope, seen | {name}))
        return found

    def _attribute(self, node: etree._Element, scope: Scope) -> AttributeGen:
        use = node.get("use", "optional")
        ref = node.get("ref")
        declaration, declared_scope, tag = node, scope, ""
        if ref:
            tag = self.index.resolve(node, ref, scope)
            entry = self.index.tables["attribute"].get(tag)
            if entry is not None:
                declaration, declared_scope = entry.node, entry.scope
        else:
            form = node.get("form")
            qualified = form == "qualified" if form else scope.qualified_attributes
            tag = Index.clark(scope.tns if qualified else "", node.get("name", ""))
        type_attr = declaration.get("type")
        inline = next((child for child in declaration if is_xsd(child, "simpleType")), None)
        if type_attr:
            simple = self.simple(self.index.resolve(declaration, type_attr, declared_scope))
        elif inline is not None:
            simple = self._simple_node(inline, declared_scope)
        else:
            simple = SimpleType("string")
        fixed = node.get("fixed") or declaration.get("fixed")
        return AttributeGen(tag, simple, required=use == "required", fixed=fixed, prohibited=use == "prohibited")

    # -- simple types ------------------------------------------------------------------------------
    def simple(self, name: str) -> SimpleType:
        if name in self.simple_types:
            return self.simple_types[name]
        namespace, local = split_clark(name)
        if namespace == XSD and local in XSD_BUILTIN_TYPES:
            result = SimpleType("list", item=SimpleType(LIST_BUILTINS[local])) if local in LIST_BUILTINS else (
                SimpleType(local))  # fmt: skip
        else:
            entry = self.index.tables["type"].get(name)
            if entry is None or not is_xsd(entry.node, "simpleType"):
                if entry is None:
                    self.unknown.append(name)
                result = self.type(name).simple or SimpleType("string") if entry is not None else SimpleType("string")
            else:
                self.simple_types[name] = SimpleType("string")  # a (broken) self-reference ends here
                result = self._simple_node(entry.node, entry.scope)
        self.simple_types[name] = result
        return result

    def _simple_node(self, node: etree._Element, scope: Scope) -> SimpleType:
        body = children(node)
        for child in body:
            if is_xsd(child, "restriction"):
                parts = children(child)
                inline = next((part for part in parts if is_xsd(part, "simpleType")), None)
                if inline is not None:
                    base = self._simple_node(inline, scope)
                else:
                    base = self.simple(self.index.resolve(child, child.get("base", "xs:string"), scope))
                return _restricted(base, _facets(parts))
            if is_xsd(child, "list"):
                inline = next((part for part in children(child) if is_xsd(part, "simpleType")), None)
                item_type = child.get("itemType")
                if inline is not None:
                    item = self._simple_node(inline, scope)
                else:
                    item = self.simple(self.index.resolve(child, item_type or "xs:string", scope))
                return SimpleType("list", item=item)
            if is_xsd(child, "union"):
                members = [self.simple(self.index.resolve(child, member, scope))
                           for member in (child.get("memberTypes") or "").split()]  # fmt: skip
                members += [self._simple_node(part, scope) for part in children(child) if is_xsd(part, "simpleType")]
                return SimpleType("union", members=members)
        return SimpleType("string")


def _restricted(base: SimpleType, facets: Facets) -> SimpleType:
    return SimpleType(base.builtin, [*base.steps, facets], base.item, list(base.members))


def _facets(parts: list[etree._Element]) -> Facets:
    facets = Facets()
    for part in parts:
        if not isinstance(part.tag, str):
            continue
        kind = etree.QName(part).localname
        value = part.get("value")
        if value is None:
            continue
        if kind == "enumeration":
            facets.enumeration = [*(facets.enumeration or []), value]
        elif kind == "pattern":
            facets.patterns.append(translate(value))
        elif kind in _INT_FACETS:
            try:
                setattr(facets, _INT_FACETS[kind], int(value))
            except ValueError:
                continue
        elif kind in _TEXT_FACETS:
            setattr(facets, _TEXT_FACETS[kind], value.strip())
    return facets


def _merge(base: list[AttributeGen], own: list[AttributeGen]) -> list[AttributeGen]:
    """Attribute uses of a derived type: its own replace the base's of the same name."""
    names = {attribute.tag for attribute in own}
    return [attribute for attribute in base if attribute.tag not in names] + own
