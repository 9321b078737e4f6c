"""Reading the bytes of contracts, from disk or from a URL, under one policy.

Every file a loader touches (the root contract, a $ref'd fragment, an imported XSD) comes
through a ``SourceReader`` so the rules hold everywhere: a size limit checked before reading,
empty and binary files refused with a clear message, and no network access unless the user
passed a URL in the first place (a local contract that refers to the network is refused, so
loading a file never makes a request the user did not ask for).
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import RemoteReferenceError, SourceError, UnresolvedReferenceError

if TYPE_CHECKING:
    import httpx

DEFAULT_MAX_MB = 32
MAX_MB_ENV = "CTK_MAX_CONTRACT_MB"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def max_bytes_from_env() -> int:
    raw = os.environ.get(MAX_MB_ENV, "")
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_MB
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return int(megabytes * 1024 * 1024)


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def display_name(uri: str) -> str:
    """How a file is named in messages: relative to the working directory when it is below it."""
    if is_url(uri):
        return uri
    try:
        return str(Path(uri).relative_to(Path.cwd()))
    except ValueError:
        return uri


@dataclass(frozen=True, slots=True)
class Source:
    """The bytes of one file, with the absolute path or URL it came from."""

    uri: str
    data: bytes

    @property
    def name(self) -> str:
        return display_name(self.uri)

    def text(self) -> str:
        """The content as text; XML is left to the XML parser, which reads its own declaration."""
        data = self.data
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"is not UTF-8 text (invalid byte at offset {exc.start})",
                where=self.name,
                hint="save the contract as UTF-8",
            ) from None


class SourceReader:
    """Reads contract files and caches them, so a file referenced twice is read once.

    ``allow_network`` is true only when the user named a URL: then relative references resolve
    against that URL and are fetched too; otherwise any reference to a URL is refused.
    """

    def __init__(
        self,
        *,
        allow_network: bool,
        mirrors: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        timeout: float = 30.0,
    ):
        self.allow_network = allow_network
        # URL (or URL prefix ending in "/") -> local file (or folder): like an XML catalog, lets a
        # contract saved from a server (WCF's ?wsdl=wsdl0, ?xsd=xsd0) load offline.
        self.mirrors = {url: os.path.abspath(path) for url, path in (mirrors or {}).items()}
        self.max_bytes = max_bytes_from_env() if max_bytes is None else max_bytes
        self.timeout = timeout
        self._cache: dict[str, Source] = {}

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(self._cache)

    def resolve(self, base_uri: str, reference: str) -> str:
        """The absolute path or URL that ``reference`` (relative or not) names, seen from ``base_uri``."""
        if reference.startswith("file://"):
            return urllib.parse.unquote(urllib.parse.urlparse(reference).path)
        if is_url(reference) or is_url(base_uri):
            return self._mirrored(urllib.parse.urljoin(base_uri, reference))
        return os.path.normpath(os.path.join(os.path.dirname(base_uri), urllib.parse.unquote(reference)))

    def _mirrored(self, url: str) -> str:
        if url in self.mirrors:
            return self.mirrors[url]
        prefixes = [prefix for prefix in self.mirrors if prefix.endswith("/") and url.startswith(prefix)]
        if prefixes:
            prefix = max(prefixes, key=len)
            return os.path.join(self.mirrors[prefix], urllib.parse.unquote(url[len(prefix) :]))
        return url

    def read(self, uri: str, *, referrer: str | None = None) -> Source:
        """Read ``uri`` (absolute path or URL). ``referrer`` names the place that pointed here."""
        cached = self._cache.get(uri)
        if cached is not None:
            return cached
        if is_url(uri):
            if not self.allow_network:
                raise RemoteReferenceError(
                    f"refers to {uri}, which is not fetched for a contract read from disk",
                    where=referrer,
                    hint="save that document locally and map its URL to the file (--mirror URL=PATH), "
                    "or load the contract by its URL",
                )
            data = self._fetch(uri, referrer)
        else:
            data = self._read_file(uri, referrer)
        source = Source(uri, data)
        _refuse_unusable(source)
        self._cache[uri] = source
        return source

    def _read_file(self, path: str, referrer: str | None) -> bytes:
        name = display_name(path)
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            if referrer:
                raise UnresolvedReferenceError(
                    f"refers to {name}, which does not exist",
                    where=referrer,
                    hint="check the relative path; it is resolved from the referring file's folder",
                ) from None
            raise SourceError("no such file", where=name, hint="check the path") from None
        except OSError as exc:
            raise SourceError(f"cannot be read: {exc.strerror}", where=name) from None
        if os.path.isdir(path):
            raise SourceError("is a folder, not a file", where=name)
        self._check_size(size, name)
        try:
            with open(path, "rb") as handle:
                data = handle.read(size + 1)  # never read(limit): that reserves the whole limit up front
        except OSError as exc:
            raise SourceError(f"cannot be read: {exc.strerror}", where=name) from None
        self._check_size(len(data), name)  # the file may have grown since stat()
        return data

    def _fetch(self, url: str, referrer: str | None) -> bytes:
        import httpx  # imported here: loading local contracts must not pay for it

        where = referrer or url
        try:
            with (
                httpx.Client(timeout=self.timeout, follow_redirects=True) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise SourceError(
                        f"{url} answered HTTP {response.status_code}",
                        where=where,
                        hint="check the URL and that the server publishes the contract there",
                    )
                return read_limited(response, lambda size: self._check_size(size, url))
        except httpx.HTTPError as exc:
            raise SourceError(
                f"{url} could not be fetched: {exc.__class__.__name__}: {exc}",
                where=where,
                hint="check the URL and the network",
            ) from None

    def _check_size(self, size: int, name: str) -> None:
        if size > self.max_bytes:
            raise SourceError(
                f"is {size / 1048576:.1f} MB, over the {self.max_bytes / 1048576:.0f} MB limit for a contract",
                where=name,
                hint=f"set {MAX_MB_ENV} to raise the limit if the file really is a contract",
            )


def read_limited(response: httpx.Response, check_size: Callable[[int], None]) -> bytes:
    """A streamed response's body, ``check_size`` called on its declared length and as each chunk arrives."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit():
        check_size(int(declared))
    chunks: list[bytes] = []
    received = 0
    for chunk in response.iter_bytes():
        received += len(chunk)
        check_size(received)
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_unusable(source: Source) -> None:
    data = source.data
    if not data.strip():
        raise SourceError("is empty", where=source.name, hint="a contract file must contain a document")
    head = data[:8192]
    if b"\x00" in head and not head.startswith(_BOMS[1:]):
        raise SourceError(
            "is a binary file, not a contract",
            where=source.name,
            hint="ctk reads OpenAPI (JSON/YAML), WSDL (XML) and GraphQL (SDL or introspection JSON)",
        )
