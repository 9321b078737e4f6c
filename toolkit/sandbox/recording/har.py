"""The recording format: HAR 1.2, one file per ``ctk record`` run, ctk's own fields under ``_ctk``, written
atomically and bounded.

HAR 1.2 rather than VCR cassettes: it is a published format every HTTP tool reads (browsers' devtools, Charles,
Fiddler, Postman, Microcks, mitmproxy), with a place for custom fields (names starting with ``_``), while a VCR
cassette's layout is each library's own (vcrpy's YAML, Ruby VCR's, Betamax's JSON). ``ctk recordings audit`` reads
both.

An entry holds the exchange after redaction (``redact.Redactor``): the vendor's URL with the query redacted, the
headers, the bodies as text (``base64`` for a body that is not UTF-8). ``_ctk`` adds ``api``, ``path`` (the request
path below the API's mount, what replay matches), ``operation`` and ``violations`` (the exchange checked against the
contract: drift evidence), and ``omitted`` (a body too large to search for secrets is left out, never kept
unredacted).

``Recording`` rewrites its whole file after each exchange, to a temporary file renamed over the old one, so a
crash leaves the previous complete file and never half of one; it stops adding at ``MAX_RECORDING_BYTES`` or
``MAX_ENTRIES`` (the sandbox reads ``mocks/<api>/`` files up to 16 MiB).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from toolkit.__about__ import __version__
from toolkit.errors import ConfigError
from toolkit.sandbox.mocks_files import read_mocks_file
from toolkit.sandbox.recording.redact import MAX_PARSED, Redactor

__all__ = [
    "MAX_ENTRIES",
    "MAX_RECORDING_BYTES",
    "SUFFIX",
    "Exchange",
    "Recording",
    "entries_of",
    "recording_files",
    "write_atomically",
]

MAX_RECORDING_BYTES = 8 * 1024 * 1024
MAX_ENTRIES = 1000
SUFFIX = ".har"
# Headers a recorded answer does not keep: they described the vendor's connection and encoding, not the answer
# (httpx hands the body decoded, and replay sends it with its own length).
_CONNECTION_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length", "te", "trailer", "upgrade"}
)


@dataclass
class Exchange:
    """One request forwarded to the vendor and its answer, as they were (redaction happens in ``entry``)."""

    method: str
    url: str  # the vendor's URL, query included
    path: str  # below the API's mount
    query: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    response_body: bytes
    started: datetime
    elapsed_ms: float
    api: str
    operation: str | None = None
    violations: list[dict[str, str]] = field(default_factory=list)

    def header(self, headers: list[tuple[str, str]], name: str) -> str:
        return next((value for key, value in headers if key.lower() == name), "")


def entry(exchange: Exchange, redactor: Redactor) -> dict[str, Any] | None:
    """The HAR entry for ``exchange``, every secret replaced; None when a secret could not be taken out (the
    last check found one still there), so the exchange is not recorded."""
    omitted: list[str] = []
    request_type = exchange.header(exchange.request_headers, "content-type")
    response_type = exchange.header(exchange.response_headers, "content-type")
    request_body = _body(redactor, exchange.request_body, request_type, "request", omitted)
    response_body = _body(redactor, exchange.response_body, response_type, "response", omitted)
    request_headers = redactor.headers(exchange.request_headers)
    response_headers = redactor.headers(
        [(name, value) for name, value in exchange.response_headers if name.lower() not in _CONNECTION_HEADERS]
    )
    query = redactor.query(exchange.query)
    base, _, _ = exchange.url.partition("?")
    url = redactor.text(base) + (f"?{query}" if query else "")
    built: dict[str, Any] = {
        "startedDateTime": exchange.started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "time": round(exchange.elapsed_ms, 3),
        "request": {
            "method": exchange.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": _cookies(request_headers, "cookie"),
            "headers": [{"name": name, "value": value} for name, value in request_headers],
            "queryString": [{"name": n, "value": v} for n, v in urllib.parse.parse_qsl(query, keep_blank_values=True)],
            "headersSize": -1,
            "bodySize": len(exchange.request_body),
        },
        "response": {
            "status": exchange.status,
            "statusText": exchange.reason,
            "httpVersion": "HTTP/1.1",
            "cookies": _cookies(response_headers, "set-cookie"),
            "headers": [{"name": name, "value": value} for name, value in response_headers],
            "content": {"size": len(exchange.response_body), "mimeType": response_type, **response_body},
            "redirectURL": redactor.text(exchange.header(exchange.response_headers, "location")),
            "headersSize": -1,
            "bodySize": len(exchange.response_body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": round(exchange.elapsed_ms, 3), "receive": 0},
        "_ctk": {
            "api": exchange.api,
            "path": redactor.text(exchange.path),
            "operation": exchange.operation,
            "violations": [{key: redactor.text(value) for key, value in item.items()} for item in exchange.violations],
            "omitted": omitted,
        },
    }
    if exchange.request_body or exchange.method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
        built["request"]["postData"] = {"mimeType": request_type, **request_body}
    # The last pass: every secret seen so far in this run, wherever else it turns up, in any escaped form.
    text = redactor.scrub_known(json.dumps(built, ensure_ascii=False))
    if redactor.leaked(text):
        return None
    try:
        scrubbed: dict[str, Any] = json.loads(text)
    except ValueError:
        return None
    return scrubbed


def _body(redactor: Redactor, body: bytes, content_type: str, which: str, omitted: list[str]) -> dict[str, str]:
    redacted = redactor.body(body, content_type)
    if redacted is None:
        omitted.append(f"{which} body: larger than {MAX_PARSED} bytes or nested too deep to search for secrets")
        return {"text": ""}
    try:
        return {"text": redacted.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(redacted).decode("ascii"), "encoding": "base64"}


def _cookies(headers: list[tuple[str, str]], which: str) -> list[dict[str, str]]:
    """HAR's cookie lists, from headers already redacted."""
    found: list[dict[str, str]] = []
    for name, value in headers:
        if name.lower() != which:
            continue
        pairs = value.split(";") if which == "cookie" else value.split(";")[:1]
        for pair in pairs:
            key, sep, cookie = pair.strip().partition("=")
            if sep:
                found.append({"name": key, "value": cookie})
    return found


class Recording:
    """One run's HAR file under ``mocks/<api>/recordings/``: entries added one at a time, each time written whole."""

    def __init__(self, folder: Path, *, max_bytes: int = MAX_RECORDING_BYTES, max_entries: int = MAX_ENTRIES) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.path = folder / f"{stamp}-{secrets.token_hex(3)}{SUFFIX}"
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.entries: list[dict[str, Any]] = []
        self.full = False

    def add(self, item: dict[str, Any]) -> bool:
        """Write the file with ``item`` added; False (and nothing written) when the recording is full."""
        if self.full or len(self.entries) >= self.max_entries:
            self.full = True
            return False
        data = _document([*self.entries, item])
        if len(data) > self.max_bytes:
            self.full = True
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, data)
        self.entries.append(item)
        return True


def _document(entries: list[dict[str, Any]]) -> bytes:
    log = {"version": "1.2", "creator": {"name": "ctk", "version": __version__}, "entries": entries}
    return (json.dumps({"log": log}, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_atomically(path: Path, data: bytes) -> None:
    """``data`` as the whole of ``path``: written to a temporary file beside it, synced, then renamed over it."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def recording_files(folder: Path) -> list[Path]:
    """The HAR files of a ``recordings/`` folder, by name (oldest run first: names start with the time)."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix == SUFFIX and not path.name.startswith("."))


def entries_of(path: Path) -> list[dict[str, Any]]:
    """The entries of a HAR file; ``ConfigError`` naming the file when it is not one."""
    text = read_mocks_file(path, "the recording")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"the recording is not JSON: {error}", where=str(path)) from None
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list) or not all(isinstance(item, dict) for item in entries):
        raise ConfigError(
            "the recording is not a HAR document (no log.entries list)",
            where=str(path),
            hint="mocks/<api>/recordings/ holds the .har files ctk record writes",
        )
    return entries
