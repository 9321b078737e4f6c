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

from tests.conftest import RecordingServer, write_file
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
