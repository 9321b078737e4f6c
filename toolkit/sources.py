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

The same boundary holds on the network (server-side request forgery): a contract whose root was
fetched from a public address may make ctk connect only to public addresses, so a ``$ref``, an import
or a redirect to ``http://169.254.169.254/`` (cloud credentials), loopback or a private network is
refused (``InternalAddressError``). The decision is made on the addresses actually connected to, in
the network backend under httpx (``deadline.py``): it resolves the name itself, checks every address
and connects to a checked one, so a name that resolves to ``10.x`` or rebinds between check and
connect cannot slip through. A root that is itself on an internal address (the user's own network)
keeps internal addresses allowed for that contract: the policy is per reader (``AddressPolicy``).
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
    InternalAddressError,
    LocalReferenceError,
    RemoteReferenceError,
    SourceError,
    UnresolvedReferenceError,
)
from toolkit.limits import DEFAULT_LIMITS, FETCH_TIMEOUT_ENV, MAX_NODES_ENV, Limits, limits_from

if TYPE_CHECKING:
    import ipaddress

    import httpx

    from toolkit.deadline import Deadline

DEFAULT_MAX_MB = 32
MAX_MB_ENV = "CTK_MAX_CONTRACT_MB"
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


# What an internal address is, by kind: checked in order (the embedded IPv4 address of a mapped, NAT64 or
# 6to4 IPv6 address is checked as IPv4). Cloud metadata services live at link-local 169.254.169.254 / fd00:ec2::254.
_INTERNAL_NETWORKS: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local, where cloud metadata lives"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "reserved"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),
    ("198.51.100.0/24", "reserved"),
    ("203.0.113.0/24", "reserved"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # 255.255.255.255 included
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "private"),  # local-use NAT64
    ("::/8", "reserved"),  # IPv4-compatible and -translated forms among them
    ("100::/64", "reserved"),
    ("2001:2::/48", "reserved"),
    ("2001:10::/28", "reserved"),
    ("2001:db8::/32", "reserved"),
    ("3fff::/20", "reserved"),
    ("fc00::/7", "private"),
    ("fe80::/10", "link-local, where cloud metadata lives"),
    ("fec0::/10", "private"),  # site-local (deprecated)
    ("ff00::/8", "multicast"),
)
_networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]] = []  # parsed on first use
_NAT64_PREFIX = bytes.fromhex("0064ff9b0000000000000000")  # 64:ff9b::/96, the well-known NAT64 prefix


def internal_kind(address: str) -> str | None:
    """What kind of internal address ``address`` (an IP address, IPv6 scope allowed) is; None for a public one.

    Loopback, private (RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10), unspecified, shared
    (100.64/10), multicast and reserved ranges; an IPv6 address that carries an IPv4 one (mapped
    ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) is judged by that address. Anything that
    is not an IP address is internal ("unknown"): the check fails closed.
    """
    import ipaddress

    if not _networks:
        _networks.extend((ipaddress.ip_network(network), kind) for network, kind in _INTERNAL_NETWORKS)
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.packed[:12] == _NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(ip.packed[12:])
        if embedded is not None:
            kind = internal_kind(str(embedded))
            if kind is not None or ip.sixtofour is None:  # mapped and NAT64 addresses are their IPv4 one
                return kind
    for network, kind in _networks:
        if ip.version == network.version and ip in network:
            return kind
    return None


def is_internal_address(address: str) -> bool:
    """True for an address a contract from a public address must not make ctk connect to (see ``internal_kind``)."""
    return internal_kind(address) is not None


class AddressPolicy:
    """Which addresses one contract's fetches may connect to, fixed by where its root was fetched from.

    ``internal_allowed`` is None until the root's connection decides: True when it landed on an internal
    address (the user chose that network: ``ctk lint http://127.0.0.1:8000/api.yaml``, a registry at
    10.x), False when it landed on a public one. A reference fetched before the root was (a mirrored
    root) makes it False: the vendor's text does not get to choose. ``is_internal`` classifies an IP
    address (injectable for tests; default ``is_internal_address``).
    """

    __slots__ = ("internal_allowed", "is_internal")

    def __init__(self, is_internal: Callable[[str], bool] | None = None) -> None:
        self.is_internal = is_internal or is_internal_address
        self.internal_allowed: bool | None = None


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
    together, from the first one (a reader reads one contract). ``is_internal`` classifies the
    addresses its fetches connect to (``AddressPolicy``; default ``is_internal_address``).
    """

    def __init__(
        self,
        *,
        allow_network: bool,
        mirrors: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        timeout: float = 30.0,
        limits: Limits | None = None,
        is_internal: Callable[[str], bool] | None = None,
    ):
        self.allow_network = allow_network
        self.address_policy = AddressPolicy(is_internal)
        # URL (or URL prefix ending in "/") -> local file (or folder): like an XML catalog, lets a
        # contract saved from a server (WCF's ?wsdl=wsdl0, ?xsd=xsd0) load offline.
        self.mirrors = {url: os.path.abspath(path) for url, path in (mirrors or {}).items()}
        self.max_bytes = max_bytes_from_env() if max_bytes is None else max_bytes
        self.timeout = timeout
        self.limits = contract_limits() if limits is None else limits
        # Set for lint only: a reference that leads nowhere is recorded as a finding, not refused (a mock or a diff
        # needs every reference, so every other reader refuses it)
        self.dangling_references_are_findings = False
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
            if referrer is not None and self.address_policy.internal_allowed is None:
                self.address_policy.internal_allowed = False  # a reference before its root was fetched
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
        from toolkit.documents import count_expanded  # on first use: it imports yaml

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

    def internal_refused(self, url: str, hop: str, where: str, address: str) -> InternalAddressError:
        """The refusal of a connection to the internal ``address``, for ``url`` (or ``hop``, a redirect from it)."""
        kind = internal_kind(address)
        path = [] if where == url else [f"refers to {url}"]  # where == url: the message is about url itself
        if hop != url:
            path.append(f"redirects to {hop}")
        return InternalAddressError(
            ", which ".join([*path, "resolves"])
            + f" to the internal address {address}"
            + (f" ({kind})" if kind and kind != "unknown" else "")
            + ": a contract fetched from a public address may make ctk connect only to public addresses",
            where=where,
            hint=f"if the reference is meant, {_MIRROR_HINT}, or load the contract from inside that network",
            address=address,
        )

    def _fetch(self, url: str, referrer: str | None) -> tuple[bytes, str]:
        """The body of ``url`` and the URL it was finally served from (after redirects)."""
        import httpx  # imported here: loading local contracts must not pay for it

        from toolkit.deadline import deadline_client

        where = referrer or url
        deadline = self.fetch_deadline()
        hops: list[str] = []  # the URL of each request, redirects included: a refusal names the one refused
        try:
            with (
                deadline_client(
                    deadline, timeout=self.timeout, follow_redirects=True, policy=self.address_policy, hops=hops
                ) as client,
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
        except InternalAddressError as exc:  # raised by the network backend, before connecting
            raise self.internal_refused(url, hops[-1] if len(hops) > 1 else url, where, exc.address) from None
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
    read; this second check costs one clock read and holds whatever transport carries the request.
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
