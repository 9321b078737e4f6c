"""An asyncio transport that keeps what is written to it: an HTTP protocol driven without a socket.

``RecordingTransport`` takes every ``write`` (also after ``close``: a real transport still sends what it is given
then), tells ``close`` from ``abort``, and answers ``get_extra_info`` with fixed loopback addresses. For tests that
compare the bytes two protocol classes write for the same reads (``tests/mock/test_http_server_speed.py``,
``tests/mock/test_common_answer_whole.py``).
"""

from __future__ import annotations

from typing import Any


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = self.aborted = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5555)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0
