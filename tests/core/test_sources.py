"""SourceReader's rules, one per test: the trust boundary of remote documents, mirrors confined to their
folder, regular files only, the final URL after redirects, the fetch deadline, the contract limits."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.files import write_file
from tests.support.servers import RecordingServer
from toolkit.errors import ConfigError, LocalReferenceError, SourceError
from toolkit.limits import DEFAULT_LIMITS
from toolkit.sources import SourceReader, contract_limits, is_url

REMOTE = "https://vendor.example/api/openapi.yaml"


def reader(**kwargs: object) -> SourceReader:
    return SourceReader(allow_network=True, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "reference", ["file:///etc/passwd", "FILE:///etc/passwd", "file:passwd", "file://localhost/etc/passwd", "ftp://x/y"]
)
def test_a_remote_document_may_not_name_a_local_file(reference: str) -> None:
    with pytest.raises(LocalReferenceError) as caught:
        reader().resolve(REMOTE, reference, referrer="openapi.yaml:12")
    assert caught.value.where == "openapi.yaml:12"
    assert reference in caught.value.message and REMOTE in caught.value.message
    assert "--mirror" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("schemas.yaml", "https://vendor.example/api/schemas.yaml"),
        ("/etc/passwd", "https://vendor.example/etc/passwd"),  # a path on the vendor's server
        ("../../../etc/passwd", "https://vendor.example/etc/passwd"),
        ("//other.example/x.yaml", "https://other.example/x.yaml"),
    ],
)
def test_a_remote_document_refers_to_urls(reference: str, expected: str) -> None:
    assert reader().resolve(REMOTE, reference) == expected


def test_a_local_document_still_names_local_files(tmp_path: Path) -> None:
    base = str(tmp_path / "api.yaml")
    assert reader().resolve(base, "file:///etc/hosts") == "/etc/hosts"
    assert reader().resolve(base, "../x.yaml") == str(tmp_path.parent / "x.yaml")


@pytest.mark.parametrize("escape", ["%2e%2e/secret", "%2E%2E%2Fsecret", "a/%2e%2e/%2e%2e/secret", "link"])
def test_a_mirror_prefix_cannot_be_left(tmp_path: Path, escape: str) -> None:
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "link").symlink_to("/etc/hosts")
    mirrors = {"https://vendor.example/api/": str(tmp_path / "mirror")}
    with pytest.raises(LocalReferenceError, match="out of the mirror folder"):
        reader(mirrors=mirrors).resolve(REMOTE, escape)


def test_a_mirrored_document_resolves_inside_its_folder_only(tmp_path: Path) -> None:
    write_file(tmp_path, "mirror/a.yaml", "{}")
    source_reader = reader(mirrors={"https://vendor.example/api/": str(tmp_path / "mirror")})
    mirrored = source_reader.resolve(REMOTE, "a.yaml")
    assert mirrored == str(tmp_path / "mirror" / "a.yaml")
    assert source_reader.resolve(mirrored, "b/c.yaml") == str(tmp_path / "mirror" / "b" / "c.yaml")
    for escape in ("../secret", "/etc/passwd", "file:///etc/passwd"):
        with pytest.raises(LocalReferenceError):
            source_reader.resolve(mirrored, escape)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(SourceError, match="not a regular file"):
        SourceReader(allow_network=False).read(str(tmp_path / "pipe"))


def test_a_reference_to_a_folder_names_the_referrer(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a folder") as caught:
        SourceReader(allow_network=False).read(str(tmp_path), referrer="api.yaml:3")
    assert caught.value.where == "api.yaml:3"


def test_a_redirected_document_is_known_by_its_final_url(http_server: RecordingServer) -> None:
    write_file(http_server.root, "v3/openapi.yaml", "openapi: 3.0.3\n")
    source = reader().read(f"{http_server.url}/v3")  # SimpleHTTPRequestHandler redirects a folder to "v3/"
    assert source.uri == f"{http_server.url}/v3/"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api.yaml"
    finally:
        for connection in accepted:
            connection.close()
        listener.close()


def test_the_deadline_ends_a_fetch_the_operation_timeout_would_not(silent_server: str) -> None:
    source_reader = reader(limits=DEFAULT_LIMITS.replace(fetch_timeout=0.3), timeout=30.0)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"was not fetched within 0\.3 s"):
        source_reader.read(silent_server)
    assert time.monotonic() - started < 10  # the hang detector, not a speed assertion


def test_the_deadline_client_keeps_httpx_transport_layout() -> None:
    # deadline_client replaces HTTPTransport's pool: an httpx upgrade that renames it must fail here
    from toolkit.deadline import Deadline, deadline_client

    with deadline_client(Deadline(5), timeout=5) as client:
        transport = client._transport
        assert isinstance(transport, httpx.HTTPTransport)
        assert type(transport._pool.__dict__["_network_backend"]).__name__ == "_DeadlineBackend"


def test_contract_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTK_FETCH_TIMEOUT", "2.5")
    monkeypatch.setenv("CTK_MAX_EXPANDED_NODES", "10")
    limits = contract_limits()
    assert (limits.fetch_timeout, limits.max_expanded_nodes) == (2.5, 10)
    monkeypatch.setenv("CTK_MAX_EXPANDED_NODES", "1.5")
    with pytest.raises(ConfigError) as caught:
        contract_limits()
    assert caught.value.where == "CTK_MAX_EXPANDED_NODES"


def test_is_url_ignores_the_scheme_case() -> None:
    assert is_url("HTTPS://x/y") and is_url("http://x") and not is_url("file:///x") and not is_url("/http://x")


# -- the network trust boundary: which addresses are internal --------------------------------------------

INTERNAL = {
    "0.0.0.0": "unspecified",
    "0.1.2.3": "unspecified",
    "10.0.0.5": "private",
    "10.255.255.255": "private",
    "100.64.0.1": "shared (carrier-grade NAT)",
    "100.127.255.254": "shared (carrier-grade NAT)",
    "127.0.0.1": "loopback",
    "127.53.0.9": "loopback",
    "169.254.169.254": "link-local, where cloud metadata lives",
    "172.16.0.1": "private",
    "172.31.255.255": "private",
    "192.168.1.1": "private",
    "192.0.0.170": "reserved",
    "192.0.2.10": "reserved",
    "198.18.0.1": "reserved",
    "198.51.100.7": "reserved",
    "203.0.113.7": "reserved",
    "224.0.0.251": "multicast",
    "239.255.255.250": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "::": "unspecified",
    "::1": "loopback",
    "::ffff:127.0.0.1": "loopback",  # IPv4-mapped: judged by its IPv4 address
    "::ffff:169.254.169.254": "link-local, where cloud metadata lives",
    "::ffff:a9fe:a9fe": "link-local, where cloud metadata lives",
    "::ffff:10.0.0.5": "private",
    "::ffff:0.0.0.0": "unspecified",
    "::127.0.0.1": "reserved",  # IPv4-compatible (deprecated)
    "64:ff9b::a9fe:a9fe": "link-local, where cloud metadata lives",  # NAT64 of 169.254.169.254
    "64:ff9b:1::1": "private",
    "2002:0a00:0005::1": "private",  # 6to4 of 10.0.0.5
    "2001:db8::1": "reserved",
    "fc00::1": "private",
    "fd00:ec2::254": "private",  # AWS's IPv6 metadata service
    "fe80::1": "link-local, where cloud metadata lives",
    "fe80::1%eth0": "link-local, where cloud metadata lives",  # scoped
    "fe80::a9fe:a9fe%2": "link-local, where cloud metadata lives",
    "fec0::1": "private",
    "ff02::1": "multicast",
    "not-an-address": "unknown",  # fails closed
}
PUBLIC = [
    *("8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.32.0.1", "192.169.0.1"),
    *("2606:4700:4700::1111", "2a00:1450:4001:81b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"),
]


@pytest.mark.parametrize(("address", "kind"), INTERNAL.items())
def test_internal_addresses(address: str, kind: str) -> None:
    from toolkit.sources import internal_kind, is_internal_address

    assert internal_kind(address) == kind
    assert is_internal_address(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    from toolkit.sources import internal_kind, is_internal_address

    assert internal_kind(address) is None
    assert not is_internal_address(address)


def test_a_refused_address_is_never_connected_to(no_sockets: list[object]) -> None:
    # the backend refuses before a socket connects (and before any name lookup for an address literal)
    from toolkit.deadline import Deadline, deadline_client
    from toolkit.errors import InternalAddressError
    from toolkit.sources import AddressPolicy

    policy = AddressPolicy()
    policy.internal_allowed = False  # as after a root on a public address
    with deadline_client(Deadline(5), timeout=5, policy=policy) as client, pytest.raises(InternalAddressError):
        client.get("http://169.254.169.254/latest/meta-data/")
    assert no_sockets == []


def test_the_root_connection_decides_the_policy(http_server: RecordingServer) -> None:
    write_file(http_server.root, "api.yaml", "openapi: 3.0.3\n")
    loopback = reader()
    assert loopback.address_policy.internal_allowed is None
    loopback.read(f"{http_server.url}/api.yaml")
    assert loopback.address_policy.internal_allowed is True  # the user's own machine: loopback stays allowed
    public = reader(is_internal=lambda address: False)
    public.read(f"{http_server.url}/api.yaml")
    assert public.address_policy.internal_allowed is False
