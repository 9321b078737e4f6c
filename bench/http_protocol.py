"""What ctk's bounded HTTP protocol costs per request, beside uvicorn's own httptools protocol.

Feeds the same keep-alive GET, read by read, to ``BoundedHttpToolsProtocol`` (``toolkit.mock.http_server``:
head size and time, body time, pipelining, connection limits) and to uvicorn's ``HttpToolsProtocol``,
over a fake transport and a trivial ASGI app, on uvloop when present. No socket: only the protocol's
Python work is measured. Prints µs per request for each (best of several rounds) and the difference.

    python bench/http_protocol.py [--requests 50000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from toolkit.limits import DEFAULT_LIMITS
from toolkit.mock.http_server import BoundedHttpToolsProtocol

REQUEST = (
    b"GET /payments/customers/cus_1 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nX-Api-Key: sk_test_bench\r\n"
    b"Accept: application/json\r\n\r\n"
)


async def app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"id":"cus_1"}'})


class _Transport:
    """Just what the protocol calls: writes are counted and dropped."""

    def __init__(self) -> None:
        self.closing = False

    def write(self, data: bytes) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5555)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def set_protocol(self, protocol: Any) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


async def per_request(protocol_class: Any, requests: int, **options: Any) -> float:
    config = Config(app=app, log_level="warning", lifespan="off", ws="none")
    config.load()
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={}, **options)
    protocol.connection_made(_Transport())
    started = time.perf_counter()
    for _ in range(requests):
        protocol.data_received(REQUEST)
        await asyncio.sleep(0)  # let the request's task answer
    elapsed = time.perf_counter() - started
    protocol.connection_lost(None)
    return elapsed / requests * 1e6


async def main(requests: int, rounds: int) -> None:
    plain = min([await per_request(HttpToolsProtocol, requests) for _ in range(rounds)])
    bounded = min([await per_request(BoundedHttpToolsProtocol, requests, limits=DEFAULT_LIMITS) for _ in range(rounds)])
    print(f"uvicorn HttpToolsProtocol      {plain:6.2f} us per request")
    extra = f"(+{bounded - plain:.2f} us, x{bounded / plain:.3f})"
    print(f"ctk BoundedHttpToolsProtocol   {bounded:6.2f} us per request  {extra}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.requests, args.rounds))
    except ImportError:
        asyncio.run(main(args.requests, args.rounds))
