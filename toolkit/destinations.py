"""Where the mock may send webhook and callback events: loopback by default, more only when allowed.

A callback URL comes from a client's request body and a webhook URL from an admin request, so
without a policy anyone who can reach the mock could make it post to any host its machine can reach
(a cloud metadata address, an internal service). Destinations are therefore limited to this machine
(127.0.0.0/8, ::1, ``localhost``) unless ``ctk serve --webhook-host`` or sandbox.toml's
``[sandbox] webhook_hosts`` allows more. The check looks at the URL only, with no name lookup: a
host name is allowed by name, an address by address or network.

URLs may carry credentials (``http://user:secret@host/``): ``redact`` replaces them wherever a URL
is shown (answers, logs), while the delivery itself still uses them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from toolkit.errors import ConfigError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ANY_HOST = "*"
_HOST_NAME = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")
# scheme://userinfo@ : everything of the authority up to its last '@' (as clients read it)
_USERINFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)[^/?#]*@")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
ALLOW_HINT = 'allow it with `ctk serve --webhook-host {host}` or sandbox.toml [sandbox] webhook_hosts = ["{host}"]'


@dataclass(frozen=True, slots=True)
class DestinationPolicy:
    """The hosts deliveries may go to, beyond loopback: names, addresses, networks, or ``*`` for any."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()
    any_host: bool = False

    @classmethod
    def allowing(cls, hosts: Iterable[str], where: str = "--webhook-host") -> DestinationPolicy:
        names: set[str] = set()
        networks: list[IPNetwork] = []
        any_host = False
        for entry in hosts:
            text = entry.strip().lower().rstrip(".") if isinstance(entry, str) else ""
            if text == ANY_HOST:
                any_host = True
                continue
            network = _network(text)
            if network is not None:
                networks.append(network)
            elif _HOST_NAME.match(text):
                names.add(text)
            else:
                raise ConfigError(
                    f"{entry!r} is not a host name, IP address or network",
                    where=where,
                    hint="e.g. hooks.internal, 10.0.0.7, 10.0.0.0/8, or * for any host",
                )
        return cls(frozenset(names), tuple(networks), any_host)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be delivered to (one sentence, with the way to allow it), or None when it may.

        The URL is read by httpx's own parser, the one that sends the delivery, so no URL can mean one
        host to this check and another to the client."""
        import httpx

        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError):
            return f"{redact(str(url))!r} is not a valid http(s) URL"
        if parsed.scheme not in ("http", "https"):
            return f"{redact(url)!r} is not an http(s) URL"
        host = parsed.raw_host.decode("ascii", "replace").lower().rstrip(".")
        if not host:
            return f"{redact(url)!r} names no host"
        if self.any_host or _is_loopback(host) or host in self.names:
            return None
        address = _address(host)
        if address is not None and any(address in network for network in self.networks):
            return None
        return (
            f"webhook and callback destinations are limited to this machine (127.0.0.0/8, ::1, localhost); "
            f"{host} is not allowed: {ALLOW_HINT.format(host=host)}"
        )

    def describe(self) -> str:
        if self.any_host:
            return "any host"
        extra = sorted(self.names) + [str(network) for network in self.networks]
        return "loopback" + (", " + ", ".join(extra) if extra else "")


def redact(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``, so a secret in it is never shown.

    A pattern rather than a URL parser: a URL too broken to parse may still carry a secret."""
    return _USERINFO.sub(r"\1***@", url, count=1)


def _network(text: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return None


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host.strip("[]").partition("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1 to the kernel
    return address


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    address = _address(host)
    return address is not None and address.is_loopback
