"""Reading the bytes of contracts, from disk or from a URL, under one policy.

Every file a loader touches (the root contract, a $ref'd fragment, an imported XSD) comes
through a ``SourceReader`` so the rules hold everywhere: a size limit checked before reading,
empty and binary files refused with a clear message, only regular files read (a FIFO or a device
would block or never end), and no network access unless the user passed a URL in the first place
(a local contract that refers to the network is refused, so loading a file never makes a request
the user did not ask for).

The trust boundary runs the other way too: a document fetched from a URL is the vendor's (or an
attacker's) text, so it may refer only to URLs. A ``file:`` reference or a path in it is refused,
else ``ctk drift`` in CI would copy ``/etc/passwd`` into its report. The user's mirrors are the one
way from a URL to the disk, and a mirrored document stays inside its mirror's folder (checked after
percent-decoding and resolving symlinks, so ``%2e%2e%2f`` or a symlink cannot climb out). Relative
references resolve against the URL a document was finally served from, after redirects. Fetching
one contract, all its references and redirects included, has one deadline (``Limits.fetch_timeout``).
"""

from __future__ import annotations

import os
import stat
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import (
    LocalReferenceError,
    RemoteReferenceError,
    SourceError,
    UnresolvedReferenceError,
)
from toolkit.limits import DEFAULT_LIMITS, Limits, limits_from

if TYPE_CHECKING:
    import httpx

    from toolkit.deadline import Deadline

DEFAULT_MAX_MB = 32
MAX_MB_ENV = "CTK_MAX_CONTRACT_MB"
FETCH_TIMEOUT_ENV = "CTK_FETCH_TIMEOUT"
MAX_NODES_ENV = "CTK_MAX_EXPANDED_NODES"
_LIMIT_ENVS = {FETCH_TIMEOUT_ENV: "fetch_timeout", MAX_NODES_ENV: "max_expanded_nodes"}
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_MIRROR_HINT = "save that document locally and map its URL to the file (--mirror URL=PATH)"


def max_bytes_from_env() -> int:
    raw = os.environ.get(MAX_MB_ENV, "")
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_MB
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return int(megabytes * 1024 * 1024)


def contract_limits(base: Limits = DEFAULT_LIMITS) -> Limits:
    """``base`` with the contract-reading limits set in the environment (CTK_FETCH_TIMEOUT, CTK_MAX_EXPANDED_NODES).

    Environment variables, because ``ctk lint`` and ``ctk drift`` run in CI where a flag is awkward to
    thread through, like CTK_MAX_CONTRACT_MB. A malformed value is a ConfigError naming the variable.
    """
    for variable, name in _LIMIT_ENVS.items():
        raw = os.environ.get(variable, "").strip()
        if raw:
            base = limits_from({name: raw}, where=variable, base=base)
    return base


def is_url(text: str) -> bool:
    return text[:8].lower().startswith(("http://", "https://"))


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
    ``timeout`` bounds one network operation; ``limits.fetch_timeout`` every fetch of this reader
    together, from the first one (a reader reads one contract).
    """

    def __init__(
        self,
        *,
        allow_network: bool,
        mirrors: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        timeout: float = 30.0,
        limits: Limits | None = None,
    ):
        self.allow_network = allow_network
        # URL (or URL prefix ending in "/") -> local file (or folder): like an XML catalog, lets a
        # contract saved from a server (WCF's ?wsdl=wsdl0, ?xsd=xsd0) load offline.
        self.mirrors = {url: os.path.abspath(path) for url, path in (mirrors or {}).items()}
        self.max_bytes = max_bytes_from_env() if max_bytes is None else max_bytes
        self.timeout = timeout
        self.limits = contract_limits() if limits is None else limits
        self._cache: dict[str, Source] = {}
        # Local files reached through a mirror -> the real path of the folder their references must stay in:
        # their text is the vendor's, however it came to be on disk.
        self._mirror_roots: dict[str, str] = {}
        self._deadline: Deadline | None = None
        self._nodes = 0  # JSON/YAML nodes of the documents read so far, aliases expanded

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(self._cache)

    def resolve(self, base_uri: str, reference: str, *, referrer: str | None = None) -> str:
        """The absolute path or URL that ``reference`` (relative or not) names, seen from ``base_uri``.

        Refuses (``LocalReferenceError``) a local file named by a document that came from a URL, and a
        mirrored path that leaves its mirror's folder. ``referrer`` names the place of the reference.
        """
        if "\x00" in urllib.parse.unquote(reference):  # no file name holds one; os calls would raise ValueError
            raise UnresolvedReferenceError(
                f"refers to {reference!r}, which holds a NUL character", where=referrer, hint="check the reference"
            )
        if is_url(base_uri):
            target = urllib.parse.urljoin(base_uri, reference)
            if not is_url(target):  # file:, or any scheme but http(s): urljoin keeps paths on the server
                raise self._local_refused(base_uri, reference, referrer)
            return self._mirrored(target, referrer)
        if is_url(reference):
            return self._mirrored(reference, referrer)
        mirror_root = self._mirror_roots.get(base_uri)
        if mirror_root is not None:  # a mirrored (vendor's) document: relative paths inside its folder only
            if _has_scheme(reference) or reference.startswith("/"):
                raise self._local_refused(base_uri, reference, referrer)
            path = os.path.normpath(os.path.join(os.path.dirname(base_uri), urllib.parse.unquote(reference)))
            return self._confined(path, mirror_root, reference, referrer)
        if reference[:5].lower() == "file:":
            return urllib.parse.unquote(urllib.parse.urlparse(reference).path)
        return os.path.normpath(os.path.join(os.path.dirname(base_uri), urllib.parse.unquote(reference)))

    def _mirrored(self, url: str, referrer: str | None) -> str:
        if url in self.mirrors:  # a file the user named: its own references stay in its folder
            path = self.mirrors[url]
            self._mirror_roots.setdefault(path, os.path.dirname(os.path.realpath(path)))
            return path
        prefixes = [prefix for prefix in self.mirrors if prefix.endswith("/") and url.startswith(prefix)]
        if prefixes:
            prefix = max(prefixes, key=len)
            folder = self.mirrors[prefix]
            path = os.path.normpath(os.path.join(folder, urllib.parse.unquote(url[len(prefix) :])))
            return self._confined(path, os.path.realpath(folder), url, referrer)
        return url

    def _confined(self, path: str, root: str, reference: str, referrer: str | None) -> str:
        """``path`` if it really lies in ``root`` (a real path), remembered as confined there."""
        real = os.path.realpath(path)
        if os.path.commonpath([real, root]) != root:
            raise LocalReferenceError(
                f"refers to {reference}, which leads out of the mirror folder {display_name(root)}",
                where=referrer,
                hint="a mirrored document may only refer to files inside the folder it is mirrored to",
            )
        self._mirror_roots.setdefault(path, root)
        return path

    @staticmethod
    def _local_refused(base_uri: str, reference: str, referrer: str | None) -> LocalReferenceError:
        origin = "was fetched from" if is_url(base_uri) else "is mirrored from"
        return LocalReferenceError(
            f"refers to the local file {reference!r}, but {display_name(base_uri)} {origin} the network: "
            "a document from a URL may refer only to URLs",
            where=referrer or display_name(base_uri),
            hint=f"if the reference is meant, {_MIRROR_HINT}",
        )

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
                    hint=f"{_MIRROR_HINT}, or load the contract by its URL",
                )
            data, final_uri = self._fetch(uri, referrer)
        else:
            data, final_uri = self._read_file(uri, referrer), uri
        # after a redirect, the document is known by its final URL: its relative references resolve there
        source = self._cache.get(final_uri) or Source(final_uri, data)
        _refuse_unusable(source)
        self._cache[uri] = self._cache[final_uri] = source
        return source

    def charge_nodes(self, source: Source, text: str, document: object) -> None:
        """Count ``document`` (parsed from ``source``) against the contract's ``max_expanded_nodes``.

        Called by every loader that parses JSON/YAML, before anything walks the document: a YAML alias
        bomb is refused here, so lint's validator, the mock and the drift walk never see it.
        """
        from toolkit.documents import count_expanded  # documents imports this module

        limit = self.limits.max_expanded_nodes
        self._nodes += count_expanded(source, text, document, limit, already=self._nodes)

    def _read_file(self, path: str, referrer: str | None) -> bytes:
        name = display_name(path)
        try:
            # O_NONBLOCK: opening a FIFO (/dev/stdin, a named pipe) must not wait for a writer; the
            # descriptor is checked to be a regular file before a byte is read.
            descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            if referrer:
                raise UnresolvedReferenceError(
                    f"refers to {name}, which does not exist",
                    where=referrer,
                    hint="check the relative path; it is resolved from the referring file's folder",
                ) from None
            raise SourceError("no such file", where=name, hint="check the path") from None
        except IsADirectoryError:
            raise SourceError("is a folder, not a file", where=name) from None
        except OSError as exc:
            raise SourceError(f"cannot be read: {exc.strerror}", where=name) from None
        except ValueError:  # a NUL character in the path
            raise SourceError("is not a valid path (it holds a NUL character)", where=repr(name)) from None
        try:
            status = os.fstat(descriptor)
            if stat.S_ISDIR(status.st_mode):
                raise SourceError("is a folder, not a file", where=referrer or name, hint=_named(referrer, name))
            if not stat.S_ISREG(status.st_mode):
                raise SourceError(
                    f"is not a regular file (it is {_file_kind(status.st_mode)})",
                    where=referrer or name,
                    hint="ctk reads contracts from regular files only"
                    + (f"; {_named(referrer, name)}" if referrer else ""),
                )
            self._check_size(status.st_size, name)
        except SourceError:
            os.close(descriptor)
            raise
        with os.fdopen(descriptor, "rb") as handle:
            try:
                data = handle.read(status.st_size + 1)  # never read(limit): that reserves the whole limit up front
            except OSError as exc:
                raise SourceError(f"cannot be read: {exc.strerror}", where=name) from None
        self._check_size(len(data), name)  # the file may have grown since fstat()
        return data

    def fetch_deadline(self) -> Deadline:
        """The deadline of this reader's fetches, started by the first one."""
        from toolkit.deadline import Deadline

        if self._deadline is None:
            self._deadline = Deadline(self.limits.fetch_timeout)
        return self._deadline

    def _check_time(self, url: str, where: str) -> None:
        if self.fetch_deadline().passed():
            raise self.fetch_timed_out(url, where)

    def fetch_timed_out(self, url: str, where: str) -> SourceError:
        seconds = self.limits.fetch_timeout
        return SourceError(
            f"{url} was not fetched within {seconds:g} s (fetch_timeout: the time allowed to fetch a contract "
            "with its references and redirects)",
            where=where,
            hint=f"set {FETCH_TIMEOUT_ENV}=SECONDS to allow more, if the server is only slow",
        )

    def _fetch(self, url: str, referrer: str | None) -> tuple[bytes, str]:
        """The body of ``url`` and the URL it was finally served from (after redirects)."""
        import httpx  # imported here: loading local contracts must not pay for it

        from toolkit.deadline import deadline_client

        where = referrer or url
        deadline = self.fetch_deadline()
        try:
            with (
                deadline_client(deadline, timeout=self.timeout, follow_redirects=True) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise SourceError(
                        f"{url} answered HTTP {response.status_code}",
                        where=where,
                        hint="check the URL and that the server publishes the contract there",
                    )
                data = read_limited(
                    response, lambda size: self._check_size(size, url), lambda: self._check_time(url, where)
                )
                return data, str(response.url)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL is no HTTPError: "http://[::1" raises it
            if deadline.passed():
                raise self.fetch_timed_out(url, where) from None
            raise SourceError(
                ("could not be fetched" if url == where else f"{url} could not be fetched")
                + f": {exc.__class__.__name__}: {exc}",
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


def read_limited(
    response: httpx.Response, check_size: Callable[[int], None], check_time: Callable[[], None] | None = None
) -> bytes:
    """A streamed response's body, ``check_size`` called on its declared length and as each chunk arrives.

    ``check_time`` is called after each chunk too: the deadline backend already bounds every socket
    read, this also holds when a proxy transport (from the environment) carries the request.
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit():
        check_size(int(declared))
    chunks: list[bytes] = []
    received = 0
    for chunk in response.iter_bytes():
        received += len(chunk)
        check_size(received)
        if check_time is not None:
            check_time()
        chunks.append(chunk)
    return b"".join(chunks)


def _has_scheme(reference: str) -> bool:
    """``file:/x``, ``ftp://…``; a one-letter scheme is a drive (``C:/x``), a path too."""
    return len(urllib.parse.urlsplit(reference).scheme) > 1


def _named(referrer: str | None, name: str) -> str | None:
    return f"the reference names {name}" if referrer else None


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO or pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


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
