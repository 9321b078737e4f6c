"""The access log: one JSON line per request answered (the journal entry's fields), to a file or stdout.

``ctk serve --access-log PATH`` (or ``-`` for stdout; sandbox.toml ``[sandbox] access_log``). A line is
written from the request's thread into a buffered file and flushed at once, so a ``tail -f`` sees each request
as it is answered, and a write costs one small system call, not a wait on the disk. Like the journal, a line
holds no header and no body, and the query's secret-like values are ``***``. A write that fails (disk full) is
reported once on the ``ctk`` log and the log is then off: the sandbox keeps answering.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path
from typing import TextIO

from toolkit.errors import ConfigError
from toolkit.sandbox.admin.journal import Entry

__all__ = ["AccessLog", "open_access_log"]

log = logging.getLogger("ctk.access")


class AccessLog:
    def __init__(self, stream: TextIO, *, close: bool) -> None:
        self._stream = stream
        self._close = close
        self._lock = threading.Lock()
        self._broken = False

    def write(self, entry: Entry) -> None:
        if self._broken:
            return
        line = json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            with self._lock:
                self._stream.write(line)
                self._stream.flush()
        except (OSError, ValueError) as error:
            self._broken = True
            log.error("ctk: the access log failed and is off from now on: %s", error)

    def close(self) -> None:
        if self._close:
            with self._lock:
                self._stream.close()


def open_access_log(target: str, where: str = "--access-log") -> AccessLog:
    """The access log at ``target``: ``-`` for stdout, else a file appended to (its folder must exist)."""
    if target == "-":
        return AccessLog(sys.stdout, close=False)
    path = Path(target)
    if path.is_dir():
        raise ConfigError(f"{target} is a folder, not a file", where=where, hint="give a file path, or - for stdout")
    try:
        stream = path.open("a", encoding="utf-8", buffering=64 * 1024)
    except OSError as error:
        raise ConfigError(
            f"cannot open the access log {target}: {error.strerror or error}",
            where=where,
            hint="check that its folder exists and is writable, or use - for stdout",
        ) from None
    return AccessLog(stream, close=True)
