"""The evidence a ``ctk verify`` run collects from every answer, for ``ctk drift`` (``toolkit/evidence.py``).

``EvidenceCollector`` is what ``SafeClient.observe`` hands each answer to (it implements ``core.EvidenceSink``).
From every protocol's answers it reads the deprecation headers (``Deprecation``, ``Sunset``, ``Link``,
``Warning: 299``). For an OpenAPI contract it also reads the answer against the operation's declared
responses in the loaded document: a status no response (nor a ``2XX`` range, nor ``default``) declares, a
header the response does not declare (beyond HTTP's own and the rate-limit and deprecation headers), and a
JSON field the response schema does not declare (walked beside the schema: ``$ref``, ``allOf``; a field any
``oneOf``/``anyOf`` member declares counts as declared, and a map schema declares every key). The SOAP and
GraphQL engines judge their own messages and ``add`` what they find (``undeclared-fault``,
``deprecated-field-used``, ``undocumented-field``).

Observations are kept once each, in a bounded set, and written sorted (``write``), so two runs over the same
answers write the same file. Only header names, statuses, JSON pointers and the deprecation headers' values
are kept (through ``redact``): never a body value, never a request header.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from toolkit.errors import CtkError
from toolkit.evidence import Evidence, Observation, clip, observations_from_headers, write_evidence
from toolkit.model import Contract, HttpOperation
from toolkit.model import Protocol as ContractProtocol

if TYPE_CHECKING:
    import httpx

    from toolkit.model import Operation

__all__ = ["MAX_OBSERVATIONS", "EvidenceCollector", "ObservationLike"]

MAX_OBSERVATIONS = 10_000  # per run: a vendor answering a new field on every call cannot grow the set further
MAX_BODY_BYTES = 4 * 1024 * 1024  # larger JSON answers are not walked for undocumented fields
MAX_DEPTH = 32
MAX_NODES = 20_000  # per answer
MAX_ITEMS = 50  # array items walked per array

# Headers every HTTP server may send and no contract declares; the rate-limit headers SafeClient paces by; the
# deprecation headers, which are evidence of their own.
_GENERIC_HEADERS = frozenset(
    {
        "accept-ranges", "access-control-allow-credentials", "access-control-allow-headers",
        "access-control-allow-methods", "access-control-allow-origin", "access-control-expose-headers",
        "access-control-max-age", "age", "alt-svc", "cache-control", "connection", "content-encoding",
        "content-language", "content-length", "content-location", "content-security-policy", "content-type",
        "cross-origin-opener-policy", "cross-origin-resource-policy", "date", "etag", "expires", "keep-alive",
        "last-modified", "location", "pragma", "referrer-policy", "retry-after", "server", "set-cookie",
        "strict-transport-security", "transfer-encoding", "vary", "via", "www-authenticate", "x-content-type-options",
        "x-frame-options", "x-xss-protection", "x-request-id", "x-correlation-id", "traceparent", "tracestate",
        "ratelimit", "ratelimit-policy", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset",
        "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-used", "x-ratelimit-resource",
        "deprecation", "sunset", "link", "warning",
    }
)  # fmt: skip


class ObservationLike(Protocol):
    """What ``add`` accepts: ``toolkit.evidence.Observation`` or the engines' ``verify.core.Observation``."""

    @property
    def kind(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def date(self) -> str | None: ...


class EvidenceCollector:
    """Observations from one API's answers, once each, at most ``max_observations``; ``write`` saves them."""

    def __init__(
        self,
        api: str,
        contract: Contract,
        base_url: str,
        *,
        sunset_horizon_days: int | None = None,
        collected_at: str | None = None,
        contract_label: str | None = None,
        max_observations: int = MAX_OBSERVATIONS,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        """``contract_label``: how the file names the contract (say, relative to the workspace); default its
        source. ``redact``: applied to every detail kept (the run's ``Credentials.redact``), should a vendor
        echo a credential in a header value or a link."""
        self.api = api
        self.contract = contract
        self.base_url = base_url
        self.sunset_horizon_days = sunset_horizon_days
        self.collected_at = collected_at or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        self.contract_label = contract_label or contract.source
        self.max_observations = max_observations
        self.redact = redact or (lambda text: text)
        self.dropped = 0  # observations beyond the bound
        self._seen: set[Observation] = set()
        self._operations = {op.id: op for op in contract.operations}

    @property
    def observations(self) -> tuple[Observation, ...]:
        return tuple(sorted(self._seen))

    def add(self, observations: Iterable[ObservationLike]) -> None:
        """Keep ``observations`` (from any engine), each once, within the bound."""
        for item in observations:
            observation = Observation(item.operation, item.kind, clip(self.redact(item.detail)), item.date)
            if observation in self._seen:
                continue
            if len(self._seen) >= self.max_observations:
                self.dropped += 1
                continue
            self._seen.add(observation)

    def observe(self, operation: str, response: httpx.Response, contract_operation: Operation | None) -> None:
        """One answer to ``operation``: its deprecation headers, and for OpenAPI what its response does not declare."""
        self.add(observations_from_headers(operation, response.headers.multi_items()))
        declared = contract_operation or self._operations.get(operation)
        if self.contract.protocol is ContractProtocol.OPENAPI and isinstance(declared, HttpOperation):
            # a reference that does not resolve is the contract's lint's to report; no evidence then
            with contextlib.suppress(CtkError, RecursionError):
                self.add(_rest_observations(self.contract, declared, response))

    def evidence(self) -> Evidence:
        return Evidence(
            api=self.api,
            contract=self.contract_label,
            base_url=self.base_url,
            collected_at=self.collected_at,
            observations=self.observations,
            sunset_horizon_days=self.sunset_horizon_days,
        )

    def write(self, path: Path) -> Path:
        """Save the evidence to ``path`` (``toolkit.evidence.default_evidence_path`` for the workspace's)."""
        write_evidence(path, self.evidence())
        return path


# ---------------------------------------------------------------------------------------------------------
# OpenAPI: the answer against the operation's declared responses


class _Document:
    """The contract's document and resolver, read duck-typed so this module imports no protocol package."""

    def __init__(self, contract: Contract) -> None:
        self.document: dict[str, Any] = getattr(contract, "document", {}) or {}
        self.resolver: Any = getattr(contract, "resolver", None)
        self.root: str = getattr(self.resolver, "root_uri", "") if self.resolver is not None else ""
        self.swagger2 = getattr(contract, "spec_version", "") == "2.0"

    def deref(self, node: Any, uri: str) -> tuple[Any, str]:
        if self.resolver is None:
            return node, uri
        result: tuple[Any, str] = self.resolver.deref(node, uri)
        return result


def _rest_observations(contract: Contract, op: HttpOperation, response: httpx.Response) -> list[Observation]:
    doc = _Document(contract)
    paths = doc.document.get("paths")
    if not isinstance(paths, dict) or op.path not in paths:
        return []
    item, uri = doc.deref(paths[op.path], doc.root)
    if not isinstance(item, dict):
        return []
    node, uri = doc.deref(item.get(op.method.lower()), uri)
    responses = node.get("responses") if isinstance(node, dict) else None
    if not isinstance(responses, dict):
        return []
    status = response.status_code
    key = _response_key(responses, status)
    if key is None:
        return [Observation(op.id, "undocumented-status", str(status))]
    declared, uri = doc.deref(responses[key], uri)
    if not isinstance(declared, dict):
        return []
    found = _undocumented_headers(op.id, declared, response)
    schema = _schema_for(doc, declared, response)
    if schema is not None and len(response.content) <= MAX_BODY_BYTES:
        try:
            body = json.loads(response.content)
        except (ValueError, RecursionError):
            body = None  # not JSON: the conformance checks report that, not the evidence
        if body is not None:
            walker = _FieldWalker(doc, op.id)
            walker.walk(body, schema, uri, "", 0)
            found += walker.found
    return found


def _response_key(responses: dict[str, Any], status: int) -> str | None:
    """The ``responses`` key answering ``status``: exact, then its range (``2XX``), then ``default``."""
    for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
        if key in responses:
            return key
    return None


def _undocumented_headers(operation: str, declared: dict[str, Any], response: httpx.Response) -> list[Observation]:
    headers = declared.get("headers")
    names = {str(name).lower() for name in headers} if isinstance(headers, dict) else set()
    return [
        Observation(operation, "undocumented-header", clip(name, 100))
        for name in sorted({name.lower() for name in response.headers})
        if name not in names and name not in _GENERIC_HEADERS
    ]


def _schema_for(doc: _Document, declared: dict[str, Any], response: httpx.Response) -> Any:
    """The declared schema of the answer's JSON body, or None when it is not JSON or none is declared."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (media == "application/json" or media.endswith("+json")):
        return None
    if doc.swagger2:
        return declared.get("schema")
    content = declared.get("content")
    if not isinstance(content, dict):
        return None
    for key in (media, f"{media.split('/')[0]}/*", "*/*"):
        entry = content.get(key)
        if isinstance(entry, dict) and "schema" in entry:
            return entry["schema"]
    return None


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _FieldWalker:
    """An answer's JSON beside its schema: every object key no schema along the way declares (array items as ``*``)."""

    def __init__(self, doc: _Document, operation: str) -> None:
        self.doc = doc
        self.operation = operation
        self.found: list[Observation] = []
        self.nodes = 0

    def walk(self, value: Any, schema: Any, uri: str, pointer: str, depth: int) -> None:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            return
        members = self._members(schema, uri, 0)
        if not members:
            return
        if isinstance(value, dict):
            self._object(value, members, pointer, depth)
        elif isinstance(value, list):
            items = [(m["items"], u) for m, u in members if isinstance(m.get("items"), dict)]
            for element in value[:MAX_ITEMS]:
                for item_schema, item_uri in items:
                    self.walk(element, item_schema, item_uri, f"{pointer}/*", depth + 1)

    def _object(
        self, value: dict[str, Any], members: list[tuple[dict[str, Any], str]], pointer: str, depth: int
    ) -> None:
        properties: dict[str, list[tuple[Any, str]]] = {}
        open_schemas: list[tuple[Any, str]] = []  # additionalProperties schemas: every other key is declared
        for member, member_uri in members:
            declared = member.get("properties")
            if isinstance(declared, dict):
                for name, sub in declared.items():
                    properties.setdefault(name, []).append((sub, member_uri))
            extra = member.get("additionalProperties")
            if isinstance(extra, dict) or member.get("patternProperties"):
                open_schemas.append((extra if isinstance(extra, dict) else {}, member_uri))
        if not properties and not open_schemas:
            return  # a free-form object: nothing is undocumented in it
        for key in sorted(value):
            place = f"{pointer}/{_escape(key)}"
            if key in properties:
                for sub, sub_uri in properties[key]:
                    self.walk(value[key], sub, sub_uri, place, depth + 1)
            elif open_schemas:
                for sub, sub_uri in open_schemas:
                    self.walk(value[key], sub, sub_uri, place, depth + 1)
            else:
                self.found.append(Observation(self.operation, "undocumented-field", clip(place)))

    def _members(self, schema: Any, uri: str, depth: int) -> list[tuple[dict[str, Any], str]]:
        """``schema`` and every ``allOf``/``oneOf``/``anyOf`` member below it, references followed."""
        node, node_uri = self.doc.deref(schema, uri)
        if not isinstance(node, dict) or depth > MAX_DEPTH:
            return []
        found = [(node, node_uri)]
        for keyword in ("allOf", "oneOf", "anyOf"):
            subs = node.get(keyword)
            if isinstance(subs, list):
                for sub in subs:
                    found += self._members(sub, node_uri, depth + 1)
        return found
