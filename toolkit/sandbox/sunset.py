"""``sunset``: an operation past its sunset answers 410 Gone, when asked to (the sandbox's outermost layer).

Configured by the ``[apis.NAME.sunset]`` table of sandbox.toml::

    [apis.payments.sunset]
    enforce = true          # answer 410 for operations past their sunset (default false: the layer does nothing,
                            # the mock's Deprecation/Sunset headers still say when the operation goes)
    today = "2027-07-01"    # the date to pretend it is (a TOML date or "YYYY-MM-DD"), for tests and rehearsals;
                            # default: today's date in UTC, read per request

**Past its sunset.** An operation's sunset is the date the contract gives (``Operation.sunset``: OpenAPI
``x-sunset``, a WSDL operation's or a GraphQL ``@deprecated`` reason's "removed on 2027-03-31"). The mock's
``Sunset`` header says ``<date> 00:00:00 GMT`` (RFC 8594), so from that day on (``today >= sunset``) the
operation is gone.

**The 410, per protocol.**

- REST: the request is routed first (the mock's router: one match, no side effect), so a gone operation never
  reaches the inner layers' behaviour (tokens, quotas, state). When the operation declares a 410, the inner
  layers are re-asked with ``Prefer: code=410`` (the contract's own 410); else problem+json 410 whose
  ``detail`` names the operation and its sunset date. Either way with ``Sunset: <HTTP-date>``.
- SOAP: the operation is known from the inner answer's ``operations``; a gone one is a Client (1.1) / Sender
  (1.2) Fault with HTTP 410 and a ``Sunset`` header.
- GraphQL: each root field is an operation (``Query.productBySku``). A request selecting only fields past
  their sunset answers HTTP 410 with one ``errors`` entry per field, ``extensions.code`` ``GONE``. A request
  mixing gone and live fields is answered whole (the gone fields' data included, status unchanged) with one
  ``GONE`` error per gone field added to ``errors``: a client sees both its data and what is going away.

The layer keeps nothing between requests and uses no store.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Mapping
from dataclasses import replace
from email.utils import format_datetime
from typing import Any

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.problem import problem_response
from toolkit.model import Protocol
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.reasking import loads, with_prefer, without_applied_code

__all__ = ["SunsetLayer", "sunset_layer"]

_KEYS = ("enforce", "today")


def sunset_layer(envelope: MockEnvelope, table: Mapping[str, Any], *, api: str, where: str) -> SunsetLayer:
    """The ``sunset`` layer of one API, its table checked (``ConfigError``: ``sandbox.toml {where}.sunset.KEY``)."""
    if not isinstance(table, Mapping):
        raise ConfigError("sunset must be a table", where=f"sandbox.toml {where}.sunset")
    for key in table:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(_KEYS)}"
            raise ConfigError(f"unknown key '{key}'", where=_place(where, str(key)), hint=hint)
    enforce = table.get("enforce", False)
    if not isinstance(enforce, bool):
        raise ConfigError(f"enforce must be true or false, not {enforce!r}", where=_place(where, "enforce"))
    today = _date(table.get("today"), where)
    return SunsetLayer(envelope, enforce=enforce, today=today, api=api)


class SunsetLayer:
    """See the module's docstring. Thread-safe: it keeps no state."""

    name = "sunset"

    def __init__(self, envelope: MockEnvelope, *, enforce: bool, today: dt.date | None, api: str) -> None:
        self.api = api
        self.enforce = enforce
        self.today = today
        self._envelope = envelope
        self._protocol = envelope.contract.protocol
        self.sunsets: dict[str, dt.date] = {
            op.id: op.sunset for op in envelope.contract.operations if op.sunset is not None
        }
        mock = envelope.mock
        self._routed = self._protocol is Protocol.OPENAPI  # REST knows the operation before answering
        self._declares_410: frozenset[str] = frozenset()
        if self._routed:
            operations = getattr(mock, "operations", {})
            self._declares_410 = frozenset(
                op_id
                for op_id, op in operations.items()
                if op_id in self.sunsets and any(spec.status == 410 for spec in op.responses.specs)
            )

    def date(self) -> dt.date:
        """The date it is for the layer: ``today`` when configured, else today's date in UTC."""
        return self.today if self.today is not None else dt.datetime.now(dt.UTC).date()

    def gone(self, operation: str | None) -> dt.date | None:
        """The sunset of ``operation`` when it is past (the operation is gone), else None."""
        if operation is None:
            return None
        sunset = self.sunsets.get(operation)
        return sunset if sunset is not None and self.date() >= sunset else None

    def __call__(self, call: Call, inner: Next) -> MockResult:
        if not self.enforce or not self.sunsets:
            return inner(call)
        if self._routed:
            return self._rest(call, inner)
        result = inner(call)
        gone = [(op, sunset) for op in result.operations if (sunset := self.gone(op)) is not None]
        if not gone:
            return result
        if self._protocol is Protocol.GRAPHQL:
            return self._graphql(call.request, result, gone)
        operation, sunset = gone[0]
        response = self._envelope.error_response(call.request, 410, _message(operation, sunset))
        return MockResult(_with_sunset(response, sunset), operations=result.operations, deprecated=result.deprecated)

    def _rest(self, call: Call, inner: Next) -> MockResult:
        operation = call.operation
        sunset = self.gone(operation)
        if sunset is None or operation is None:
            return inner(call)
        message = _message(operation, sunset)
        if operation in self._declares_410:
            result = inner(with_prefer(call, "code=410"))
            if result.response.status == 410:
                response = result.response
                headers = without_applied_code(response.headers)
                response = Response(410, headers, response.body)
                return replace(result, response=_with_sunset(response, sunset), deliveries=())
        response = problem_response(410, message, kind="gone")
        return MockResult(_with_sunset(response, sunset), operations=(operation,), deprecated=(operation,))

    def _graphql(self, request: Request, result: MockResult, gone: list[tuple[str, dt.date]]) -> MockResult:
        errors: list[dict[str, Any]] = [
            {"message": _message(op, sunset), "extensions": {"code": "GONE", "sunset": sunset.isoformat()}}
            for op, sunset in gone
        ]
        latest = max(sunset for _, sunset in gone)
        if len(gone) == len(set(result.operations)):  # only gone fields: 410, errors only
            response = self._envelope.error_response(request, 410, _message(*gone[0]))
            document = loads(response.body)
            if isinstance(document, dict):
                document["errors"] = errors
                response = Response(410, response.headers, _dumps(document))
            return MockResult(
                _with_sunset(response, latest), operations=result.operations, deprecated=result.deprecated
            )
        document = loads(result.response.body)
        if not isinstance(document, dict):
            return result
        listed = document.get("errors")
        document["errors"] = [*(listed if isinstance(listed, list) else ()), *errors]
        response = Response(result.response.status, result.response.headers, _dumps(document))
        return replace(result, response=_with_sunset(response, latest))


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(
        f"today must be a date like 2027-06-01, not {value!r}",
        where=_place(where, "today"),
        hint='today = 2027-06-01 (a TOML date) or today = "2027-06-01"',
    )


def _message(operation: str, sunset: dt.date) -> str:
    return f"{operation} was sunset on {sunset.isoformat()} and is no longer served"


def _http_date(day: dt.date) -> str:
    return format_datetime(dt.datetime.combine(day, dt.time(), dt.UTC), usegmt=True)


def _with_sunset(response: Response, sunset: dt.date) -> Response:
    kept = tuple(h for h in response.headers if h[0].lower() != "sunset")
    return Response(response.status, (*kept, ("sunset", _http_date(sunset))), response.body)


def _dumps(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")


def _place(where: str, key: str) -> str:
    return f"sandbox.toml {where}.sunset.{key}"
