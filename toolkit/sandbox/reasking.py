"""Asking the inner layers for the contract's own answer: what every sandbox layer that answers an error uses.

A layer that must answer 404, 410, 429 or 503 does not write the body itself: it asks the layers inside
it again with a ``Prefer`` token added (``code=N`` for REST, ``fault=NAME`` for SOAP), so the mock answers
with the contract's declared response for that status or fault, valid and in the contract's own form.
The ``code=`` the layer added is then taken out of ``Preference-Applied``: the client did not ask for it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from toolkit.sandbox.layers import Call


def with_prefer(call: Call, token: str) -> Call:
    """``call`` with ``token`` added to its ``Prefer`` header (after what the client sent)."""
    request = call.request
    prefer = request.header("prefer")
    headers = (*(h for h in request.headers if h[0] != "prefer"), ("prefer", f"{prefer}, {token}" if prefer else token))
    return call.with_request(replace(request, headers=headers))


def without_applied_code(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """``headers`` with the ``code=`` preference left out of ``Preference-Applied`` (the header dropped when
    nothing else was applied)."""
    out: list[tuple[str, str]] = []
    for name, value in headers:
        if name == "preference-applied":
            kept = [part.strip() for part in value.split(",") if not part.strip().startswith("code=")]
            if kept:
                out.append((name, ", ".join(kept)))
            continue
        out.append((name, value))
    return tuple(out)


def loads(body: bytes) -> Any:
    """A JSON answer's document, or None when the body is not JSON."""
    try:
        return json.loads(body)
    except ValueError:
        return None
