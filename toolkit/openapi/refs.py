"""JSON references across one or many OpenAPI files, resolved lazily and checked once.

Documents stay as parsed (nothing is inlined), so circular references cost nothing and a
Stripe-size spec is not copied. ``check_all`` walks every document once at load time so a
``$ref`` to nowhere is reported when the contract is loaded, not when a mock request hits it. For lint
(``SourceReader.dangling_references_are_findings``) every such ``$ref`` is recorded in ``dangling`` with its
place instead, and resolves to an empty mapping, so the rest of the contract is still read and checked.
"""

from __future__ import annotations

from typing import Any

from toolkit.documents import PointerLines, parse_data, pointer, unescape_pointer_token
from toolkit.errors import LoadError, UnresolvedReferenceError
from toolkit.model import Location, Problem, Severity
from toolkit.sources import Source, SourceReader, display_name

# Keys whose values are literal data, not OpenAPI structure: a "$ref" inside them is not a reference.
_LITERAL_KEYS = frozenset({"example", "default", "enum", "const"})
# Maps whose keys are names chosen by the author (so a property called "example" is still structure).
_NAME_MAPS = frozenset(
    {
        "properties", "patternProperties", "definitions", "$defs", "schemas", "parameters", "responses",
        "headers", "securitySchemes", "requestBodies", "links", "callbacks", "pathItems", "webhooks",
        "paths", "content", "encoding", "variables", "dependentSchemas", "mapping", "scopes",
    }
)  # fmt: skip


_PLACE_OF_REF = "\x00place-of-ref"


class Resolver:
    """Holds every document of a contract by URI and resolves ``$ref`` strings between them."""

    def __init__(self, reader: SourceReader, root: Source, root_text: str, root_document: Any) -> None:
        self.reader = reader
        self.root_uri = root.uri
        self.documents: dict[str, Any] = {root.uri: root_document}
        self._texts: dict[str, str] = {root.uri: root_text}
        self._lines: dict[str, PointerLines] = {}
        self._final: dict[str, str] = {}  # a URI as referred to -> the URI it was read from (after redirects)
        # Lint only: each $ref that leads nowhere, as a finding at its place, and the mapping that holds it
        self.dangling: list[Problem] = []
        self.dangling_holders: list[tuple[str, dict[str, Any]]] = []
        self._nowhere: set[tuple[str, str]] = set()  # (document URI, $ref) of those, resolved to {}

    def document(self, uri: str, *, referrer: str | None = None) -> Any:
        return self.documents[self._load(uri, referrer)]

    def _load(self, uri: str, referrer: str | None) -> str:
        """The URI the document ``uri`` names is known by (its final URL after redirects), read once."""
        final = self._final.get(uri, uri)
        if final not in self.documents:
            source = self.reader.read(uri, referrer=referrer)
            final = self._final[uri] = source.uri
            if final not in self.documents:
                text = source.text()
                self._texts[final] = text
                self.documents[final] = parse_data(source, text)
                self.reader.charge_nodes(source, text, self.documents[final])
        return final

    def resolve(self, ref: str, base_uri: str, *, referrer: str | None = None) -> tuple[Any, str, str]:
        """Follow ``ref`` seen from ``base_uri``: returns (value, uri of its document, its pointer)."""
        if (base_uri, ref) in self._nowhere:
            return {}, base_uri, ""
        file_part, _, fragment = ref.partition("#")
        if fragment == "/":
            fragment = ""  # "other.yaml#/" is written for "the whole of other.yaml"
        uri = base_uri
        if file_part:
            uri = self._load(self.reader.resolve(base_uri, file_part, referrer=referrer), referrer)
        node = self.documents[uri]
        if fragment and not fragment.startswith("/"):
            raise UnresolvedReferenceError(
                f"$ref {ref!r} uses a plain-name fragment, which ctk does not resolve",
                where=referrer,
                hint="use a JSON pointer such as #/components/schemas/Name",
            )
        for raw in fragment.split("/")[1:] if fragment else ():
            token = unescape_pointer_token(raw)
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdecimal() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise UnresolvedReferenceError(
                    f"$ref {ref!r} points at nothing ({display_name(uri)}#{fragment} does not exist)",
                    where=referrer,
                    hint="check the spelling of the pointer and that the target exists",
                )
        return node, uri, fragment

    def deref(self, node: Any, base_uri: str, *, limit: int = 64) -> tuple[Any, str]:
        """``node`` with any chain of ``$ref``s followed, and the URI of the document it lives in."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            seen += 1
            if seen > limit:
                raise UnresolvedReferenceError(f"$ref chain longer than {limit} (a reference loop?)", where=base_uri)
            node, base_uri, _ = self.resolve(node["$ref"], base_uri)
        return node, base_uri

    def place(self, uri: str, json_pointer: str) -> str:
        """``file:line (#/pointer)`` for messages; computed on demand because it re-reads the text."""
        line = self.line(uri, json_pointer)
        name = display_name(uri)
        return f"{name}:{line} (#{json_pointer})" if line else f"{name}#{json_pointer}"

    def line(self, uri: str, json_pointer: str) -> int | None:
        if uri not in self._texts:
            return None
        if uri not in self._lines:
            self._lines[uri] = PointerLines(self._texts[uri])
        return self._lines[uri].line(json_pointer)

    def check_all(self) -> None:
        """Resolve every ``$ref`` in every document reachable from the root, once."""
        pending = [self.root_uri]
        walked: set[str] = set()
        while pending:
            uri = pending.pop()
            if uri in walked:
                continue
            walked.add(uri)
            for ref_holder in references(self.documents[uri]):
                ref = ref_holder["$ref"]
                try:
                    # The place of the $ref costs a YAML compose: pass a marker, fill it in on failure only.
                    _, target_uri, _ = self.resolve(ref, uri, referrer=_PLACE_OF_REF)
                except LoadError as exc:
                    holder = find_pointer(self.documents[uri], ref_holder) or ""
                    if type(exc) is UnresolvedReferenceError and self.reader.dangling_references_are_findings:
                        self._record_dangling(uri, ref_holder, f"{holder}/$ref", exc)
                        continue
                    if exc.where in (None, _PLACE_OF_REF):
                        exc.where = self.place(uri, f"{holder}/$ref")
                    raise
                if target_uri not in walked:
                    pending.append(target_uri)

    def _record_dangling(self, uri: str, holder: dict[str, Any], json_pointer: str, exc: LoadError) -> None:
        ref = holder["$ref"]
        message = exc.message if exc.message.startswith("$ref") else f"$ref {ref!r} {exc.message}"
        if exc.hint:
            message += f"; {exc.hint}"
        location = Location(display_name(uri), line=self.line(uri, json_pointer), path=json_pointer)
        self.dangling.append(Problem(Severity.ERROR, location, message))
        self.dangling_holders.append((uri, holder))
        self._nowhere.add((uri, ref))


def references(document: Any) -> list[dict[str, Any]]:
    """Every dict holding a string ``$ref`` in structural (non-literal) positions.

    Iterative, and visiting each container once: YAML aliases can share one object from many
    places, and a "billion laughs" of aliases must not make the walk exponential.
    """
    found: list[dict[str, Any]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(document, False)]
    while stack:
        node, keys_are_names = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                found.append(node)
            for key, value in node.items():
                if isinstance(value, (dict, list)) and (keys_are_names or key not in _LITERAL_KEYS):
                    stack.append((value, key in _NAME_MAPS and not keys_are_names))
        elif isinstance(node, list):
            stack.extend((item, False) for item in node if isinstance(item, (dict, list)))
    return found


def find_pointer(document: Any, target: Any) -> str | None:
    """The JSON pointer at which the object ``target`` (by identity) sits in ``document``."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return pointer(*path)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            stack.extend((value, (*path, key)) for key, value in node.items() if isinstance(value, (dict, list)))
        elif isinstance(node, list):
            stack.extend((value, (*path, index)) for index, value in enumerate(node) if isinstance(value, (dict, list)))
    return None
