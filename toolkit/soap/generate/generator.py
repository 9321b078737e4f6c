"""Valid, realistic instances of a WSDL's global elements, for SOAP mock responses.

The SOAP mock asks for ``{ns}GetAccountResponse`` and gets an lxml element it can put in a Body.
Each element's generator is compiled once (``compiler``), then drawing walks compiled
nodes with the caller's rng, so the same rng state gives the same bytes. Every instance is checked
with the ``XsdValidator``: an invalid draw is drawn again, then replaced by a minimal instance, and
if even that fails the generator raises rather than let the mock contradict its contract.

Generators compile on first use, so a failure may strike halfway through compiling (a schema nested
deeper than Python's stack, memory running out): a type is cached before its content is compiled, so
that recursive types can refer to it, and would stay half-built. A failure while one element is generated
therefore takes back what was compiled since that element was asked for (the compiler's caches only grow,
in insertion order, so that is what was added past their lengths before), and nothing else: every other
element's compiled generator stays. An element whose schema nests too deeply to compile remembers that
failure, so its later requests get the same clean error without compiling again; failures that may
depend on the draw (impossible values on one branch) or on the moment (memory) are not remembered.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence

from lxml import etree

from toolkit.fake import Fake
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.soap.generate.compiler import Compiler
from toolkit.soap.generate.components import Index
from toolkit.soap.generate.nodes import (
    XSI,
    AnyNode,
    ChoiceNode,
    Draw,
    ElementDecl,
    ElementParticle,
    SequenceNode,
    TypeGen,
    XsdGenerationError,
    XsdGenerationLimitError,
)
from toolkit.soap.generate.writers import writer_for
from toolkit.soap.generate.xmltext import escape_attribute, unwritable
from toolkit.soap.wsdl import XSD, Definitions, local_name
from toolkit.soap.xsd.assemble import schema_documents
from toolkit.soap.xsd.builtin import SOAP_ENCODING
from toolkit.soap.xsd.validate import XsdValidator, XsdViolation

__all__ = ["XsdGenerationError", "XsdGenerationLimitError", "XsdGenerator"]

_REDRAWS = 3
# ``text`` checks an element's first answers with the validator, then one in every _CHECK_EVERY (and all of
# them when asked to): enough to catch a generator that is not valid by construction for a schema, which then
# has every later answer checked (and built as a tree, so an invalid draw is drawn again).
_CHECK_FIRST = 8
_CHECK_EVERY = 64
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class XsdGenerator:
    """Generates instances of global elements (Clark QNames) of a WSDL's schemas."""

    def __init__(
        self,
        definitions: Definitions,
        *,
        seed: int = 0,
        extra_schemas: Sequence[etree._Element] = (),
        max_depth: int = 6,
        validator: XsdValidator | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        documents = schema_documents(definitions, extra_schemas)
        self._definitions = definitions
        self._extra_schemas = tuple(extra_schemas)
        self._index = Index(documents)
        self._compiler = Compiler(self._index)
        self._fake = Fake(seed)
        self._limits = limits
        self._max_depth = min(max_depth, limits.max_generation_depth)  # optional parts stop here
        self._validator = validator
        self._arrays: list[etree._Element] = []  # the encoded arrays of the last draw
        # Elements whose generator cannot be compiled (too deeply nested), with the error each request gets.
        self._failed: dict[str, XsdGenerationError] = {}
        self._prefixes = _prefixes(definitions, documents)
        # Writing instances as text (``text``): the root's declarations as lxml writes the same nsmap, the
        # prefixed names of tags (shared by every draw), and per element whether it can be written so.
        # (the root's nsmap is keyed by prefix: a prefix given to two namespaces declares the last one only)
        nsmap = {prefix: namespace for namespace, prefix in self._prefixes.items()}
        self._declared = {namespace: prefix for prefix, namespace in nsmap.items()}
        self._declarations = "".join(
            f' xmlns:{prefix}="{escape_attribute(namespace)}"' for prefix, namespace in nsmap.items()
        )
        self._names: dict[str, str] = {}
        self._writable: dict[str, bool] = {}
        self._written: dict[str, int] = {}  # answers written per element, for the sampled check
        self._alone: dict[str, bool] = {}  # per element written as text: whether it stands for itself (``pick``)
        # ``text``'s Draw, one per thread, made once: what differs between answers is set on each (making one, a
        # dataclass of 17 fields, cost a microsecond an answer); the text path writes no encoded array (``arrays``)
        self._text_draws = threading.local()
        self.check_every_answer = False  # debug mode: ``text`` validates every instance it writes
        self.compiled_writers = True  # ``text`` writes complex types with generated code (``writers``); tests: off
        builtin = {document.namespace for document in documents if document.builtin}
        # The elements a caller may ask for: the WSDL's and the extra schemas', not the built-ins'.
        self.names = [name for name, entry in self._compiler.index.tables["element"].items()
                      if entry.scope.tns not in builtin]  # fmt: skip

    @property
    def validator(self) -> XsdValidator:
        if self._validator is None:
            self._validator = XsdValidator.from_definitions(self._definitions, self._extra_schemas, strict=False)
        return self._validator

    def warm(self) -> None:
        """Do the one-off work now: Faker pools, the compiled schema, every element's generator."""
        _ = self._fake.pools
        _ = self.validator
        for name in self.names:
            if name in self._failed:
                continue
            mark = self._mark()
            try:
                decl = self._compiler.global_element(name)
                if decl is not None:
                    decl.type.cost()
            except (RecursionError, MemoryError) as error:
                # the element's first request will fail the same way, as a clear fault; the others serve
                self._failure(name, error, mark)

    def element(self, name: str, rng: random.Random, *, overrides: Mapping[str, str] | None = None) -> etree._Element:
        """A valid instance of global element ``name`` (Clark QName "{ns}local"). ``overrides``: values
        for leaf elements and attributes by local name, used where the value is valid for that leaf."""
        failed = self._failed.get(name)
        if failed is not None:  # a fresh error each time: re-raising one object would grow its traceback
            raise XsdGenerationError(failed.message, where=failed.where, hint=failed.hint)
        mark = self._mark()
        try:
            return self._element(name, rng, overrides or {})
        except XsdGenerationError:
            raise
        except Exception as error:
            converted = self._failure(name, error, mark)  # nothing half-compiled is kept (see the docstring)
            if converted is None:
                raise
            raise converted from None

    def text(self, name: str, rng: random.Random, *, overrides: Mapping[str, str] | None = None) -> str | None:
        """The instance ``element`` gives for the same rng state, serialized as lxml would (the root declares
        the prefixes), written without building a tree; or None when this one must be built as a tree, after
        which ``rng`` has moved on and the caller starts again from a fresh one with ``element``. None: the
        element has a part ``write`` does not handle (``_can_write``), a value lxml would refuse, or a sampled
        check found the instance invalid. An error raised means the same: ``element`` decides what it is.

        Not validated each time: the generator draws values that fit their facets and vets those under a
        pattern, so its first draw is valid by construction (``tests/soap/test_fast_answers.py`` checks it on
        every corpus element with the validator, and that these bytes equal ``element``'s serialized); each
        element's first answers and then one in ``_CHECK_EVERY`` are checked anyway, all of them when
        ``check_every_answer`` is set, and an element found invalid once is built as a tree from then on.

        Complex types are written by code generated for them (``writers``) from their second sighting: the same
        bytes as the generic walk (``compiled_writers = False``; ``tests/soap/test_soap_compiled_writers.py``)."""
        writable = self._writable.get(name)
        if writable is None:
            writable = self._writable[name] = self._can_write(name)
        if not writable:
            return None
        decl = self._compiler.elements[name]
        draw: Draw | None = getattr(self._text_draws, "draw", None)
        if draw is None:
            draw = self._text_draws.draw = Draw(
                rng, self._fake, {}, self._max_depth, prefixes=self._prefixes, limits=self._limits,
                declared=self._declared, declarations=self._declarations, names=self._names,
            )  # fmt: skip
        draw.rng = rng
        draw.overrides = overrides or {}
        draw.size = 0
        draw.writers = writer_for if self.compiled_writers else None
        out: list[str] = []
        alone = self._alone.get(name)
        if alone is None:  # no substitution group and not abstract: ``pick`` would answer it, drawing nothing
            alone = self._alone[name] = not decl.abstract and not decl.substitutes()
        (decl if alone else decl.pick(draw) or decl).write_one(draw, out, None, 0, None)
        written = "".join(out)
        if unwritable(written):
            return None
        count = self._written[name] = self._written.get(name, 0) + 1
        if self.check_every_answer or count <= _CHECK_FIRST or count % _CHECK_EVERY == 0:
            instance = etree.fromstring(written.encode(), _PARSER)
            if self.validator.validate(instance, patterns=False):
                self._writable[name] = False
                return None
        return written

    def _can_write(self, name: str) -> bool:
        """Whether every part an instance of ``name`` may have is one ``write`` handles: not an encoded array
        (its items are judged leniently, by path, on a tree), and no tag or attribute in a namespace without
        a prefix on the root (lxml would declare one where it is used)."""
        mark = self._mark()
        try:
            root = self._compiler.global_element(name)
            return root is not None and self._parts_writable(root)
        except Exception as error:  # a schema that fails to compile: ``element`` reports it (a bug is raised)
            if self._failure(name, error, mark) is None:
                raise
            return False

    def _parts_writable(self, root: ElementDecl) -> bool:
        prefixed = self._declared

        def named(tag: str) -> bool:
            namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
            return not namespace or namespace in prefixed

        seen: set[int] = set()
        stack: list[object] = [root]
        while stack:
            item = stack.pop()
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, ElementDecl):
                if not named(item.tag):
                    return False
                stack.append(item.type)
                stack.extend(item.derived())
                stack.extend(item.substitutes())
            elif isinstance(item, TypeGen):
                if item.array is not None or not all(named(attribute.tag) for attribute in item.attributes):
                    return False
                if item.content is not None:
                    stack.append(item.content)
            elif isinstance(item, ElementParticle):
                stack.append(item.decl)
            elif isinstance(item, SequenceNode):
                stack.extend(item.parts)
            elif isinstance(item, ChoiceNode):
                stack.extend(item.branches)
            elif isinstance(item, AnyNode):
                candidates = item.strict_candidates()
                if not candidates and item.namespace and item.namespace not in prefixed:
                    return False
                stack.extend(candidates)
            else:
                return False  # a node kind written only as a tree
        return True

    def _mark(self) -> tuple[int, int, int, int]:
        """How far the compiler's caches reach now: what a failure after this point takes back."""
        compiler = self._compiler
        return len(compiler.types), len(compiler.simple_types), len(compiler.elements), len(compiler.unknown)

    def _failure(self, name: str, error: Exception, mark: tuple[int, int, int, int]) -> XsdGenerationError | None:
        """Take back what was compiled since ``mark``; the clean error ``error`` stands for (None: a bug to
        report as such), remembered for ``name`` when the schema alone decides it."""
        compiler = self._compiler
        for cache, kept in ((compiler.types, mark[0]), (compiler.simple_types, mark[1]), (compiler.elements, mark[2])):
            if len(cache) > kept:
                for key in list(cache)[kept:]:  # insertion order: the entries added since the mark
                    cache.pop(key, None)
        del compiler.unknown[mark[3] :]
        if not isinstance(error, RecursionError | MemoryError | ArithmeticError | ValueError):
            return None
        reason = {RecursionError: "nests too deeply to compile", MemoryError: "takes more memory than there is"}
        converted = XsdGenerationError(
            f"no <{local_name(name)}> could be generated: its schema "
            f"{reason.get(type(error), f'asks for impossible values ({type(error).__name__}: {error})')}",
            where=name,
            hint="check the schema with `ctk lint`",
        )
        if isinstance(error, RecursionError):
            self._failed[name] = converted
        return converted

    def _element(self, name: str, rng: random.Random, overrides: Mapping[str, str]) -> etree._Element:
        decl = self._compiler.global_element(name)
        if decl is None:
            raise XsdGenerationError(
                f"no global element {name} in the schemas",
                where=name,
                hint=f"known elements: {', '.join(self.names[:8]) or 'none'}",
            )
        violations: list[XsdViolation] = []
        for attempt in range(_REDRAWS + 1):
            minimal = attempt == _REDRAWS
            try:
                # the last redraw and the minimal instance echo nothing: an echoed value the pattern check
                # could not judge (an approximated pattern) must not make every draw invalid
                instance = self._draw(decl, rng, overrides if attempt < _REDRAWS - 1 else {}, minimal=minimal)
            except XsdGenerationLimitError:
                raise  # the schema demands more than the limits: no redraw can fit
            except XsdGenerationError:
                if minimal:
                    raise
                continue
            # the generator vets every value it writes against its patterns: libxml2 checks the rest
            violations = _strict_part(self.validator.validate(instance, patterns=False), instance, self._arrays)
            if not violations:
                return instance
        first = violations[0] if violations else XsdViolation("/", "no instance could be drawn")
        raise XsdGenerationError(
            f"no valid <{name.rpartition('}')[2]}> could be generated: {first.path}: {first.message}",
            where=name,
            hint="the schema may be unsatisfiable (conflicting facets, an abstract type with no concrete "
            "derivation); check it with `ctk lint`",
        )

    def _draw(
        self, decl: ElementDecl, rng: random.Random, overrides: Mapping[str, str], *, minimal: bool
    ) -> etree._Element:
        draw = Draw(
            rng, self._fake, overrides, self._max_depth, minimal=minimal, prefixes=self._prefixes, limits=self._limits
        )
        chosen = decl.pick(draw) or decl
        instance = chosen.emit_one(draw, None, 0)
        self._arrays = draw.arrays
        return instance


def _strict_part(
    violations: list[XsdViolation], instance: etree._Element, arrays: list[etree._Element]
) -> list[XsdViolation]:
    """The violations outside rpc/encoded arrays. ``restriction base="soapenc:Array"`` without a content
    model is, to the letter of XSD, empty content; every SOAP toolkit reads it as "items of the
    arrayType", which is what the mock writes, so libxml2's verdict on those items is set aside."""
    if not arrays or not violations:
        return violations
    tree = instance.getroottree()
    prefixes = {"/" + "/".join(step.split("[")[0].rpartition(":")[2] for step in tree.getpath(array).split("/")[1:])
                for array in arrays}  # fmt: skip
    return [violation for violation in violations if not any(
        violation.path.split("[")[0].startswith(prefix) for prefix in prefixes)]  # fmt: skip


def _prefixes(definitions: Definitions, documents: Sequence[object]) -> dict[str, str]:
    """One prefix per namespace instances may use, as the WSDL spells it where it can: declared once
    on each generated root, so xsi:type values and QName values always resolve."""
    wanted: list[str] = []
    for document in documents:
        namespace = getattr(document, "namespace", "")
        if namespace and not getattr(document, "builtin", False) and namespace not in wanted:
            wanted.append(namespace)
    spelled: dict[str, str] = {SOAP_ENCODING: "soapenc"}
    roots = [getattr(document, "root", None) for document in documents if not getattr(document, "builtin", False)]
    for node in (definitions.root, *(root for root in roots if root is not None)):
        for prefix, namespace in node.nsmap.items():
            if prefix and namespace not in spelled and prefix not in ("xsi", "xsd", "xml"):
                spelled[namespace] = prefix
    if any(SOAP_ENCODING in root.nsmap.values() for root in (definitions.root, *roots) if root is not None):
        wanted.append(SOAP_ENCODING)  # encoded arrays write soapenc:arrayType
    prefixes: dict[str, str] = {XSI: "xsi", XSD: "xsd"}
    taken = {"xsi", "xsd", "xml"}
    for index, namespace in enumerate(wanted):
        prefix = spelled.get(namespace)
        if not prefix or prefix in taken or not prefix.isidentifier():
            prefix, number = f"ns{index}", index
            while prefix in taken:  # the WSDL's own spelling of another namespace: one prefix, one namespace
                number += 1
                prefix = f"ns{number}"
        prefixes[namespace] = prefix
        taken.add(prefix)
    return prefixes
