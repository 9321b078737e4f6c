"""One request through a mock's ASGI app, without a server: for the tests of the ASGI adapter."""

from __future__ import annotations

import asyncio
from typing import Any

from toolkit.mock.asgi import MockASGIApp

__all__ = ["call"]


def call(app: MockASGIApp, method: str, path: str, body: bytes = b"", headers: tuple[tuple[bytes, bytes], ...] = ()
         ) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    """One request through the ASGI app, its body sent in 100-byte pieces."""
    pieces = [body[i : i + 100] for i in range(0, len(body), 100)] or [b""]
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": list(headers)}  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        chunk = pieces.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pieces)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    head = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], head, sent[1]["body"]
