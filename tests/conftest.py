"""Shared test fixtures: the corpus, a loopback HTTP server, and a wall against the network.

Tests may only talk to loopback. The guard below is installed at import, before any test
module runs, and refuses both connections and name lookups for anything else, so a test that
would reach the internet fails loudly instead of passing on a developer's machine.
"""

from __future__ import annotations

import http.server
import ipaddress
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CTK_CORPUS", REPO.parent / "shared" / "corpus"))
DATA = Path(__file__).resolve().parent / "data"


class NetworkAccessError(RuntimeError):
    """A test tried to reach something other than loopback."""


def _is_loopback(host: Any) -> bool:
    if host in (None, "", "localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _guard(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise NetworkAccessError(f"a test tried to connect to {address[0]!r}; only loopback is allowed")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _guard(self, address)
    _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _guard(self, address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not _is_loopback(host):
        raise NetworkAccessError(f"a test tried to resolve {host!r}; only loopback is allowed")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo


def corpus(*parts: str) -> Path:
    """A path in ../shared/corpus (``corpus("wsdl/savon/crowd.wsdl")`` or ``corpus("wsdl", "savon", "crowd.wsdl")``);
    skips the test with the reason when the corpus is absent."""
    path = CORPUS.joinpath(*parts)
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (set CTK_CORPUS to its folder)")
    if not path.exists():
        pytest.skip(f"{path} is not in this copy of the corpus")
    return path


RIO2_BASE = "http://193.155.1.72/MyCentral-RioII-Services/SecurityService.svc"


def corpus_mirrors(relative: str) -> dict[str, Path]:
    """Mirrors for a corpus WSDL: rio2 is a WCF export saved from a server, its imports name that server's URLs."""
    if "rio2" not in relative:
        return {}
    folder = CORPUS / "wsdl/savon/rio2"
    mirrors = {f"{RIO2_BASE}?wsdl": folder / "rio2.wsdl", f"{RIO2_BASE}?wsdl=wsdl0": folder / "rio2_0.wsdl"}
    mirrors.update({f"{RIO2_BASE}?xsd=xsd{i}": folder / f"rio2_{i}.xsd" for i in range(4)})
    return mirrors


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any attempt to connect a socket fails the test (on top of the loopback-only guard): for in-process adapters."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"the in-process mock opened a socket to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def ctk(*args: str) -> tuple[int, str, str]:
    """``ctk ARGS`` in-process (click's CliRunner): exit code, stdout, stderr."""
    from click.testing import CliRunner

    from toolkit.cli import cli

    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_file(folder: Path, name: str, text: str) -> Path:
    """``text`` written (UTF-8) as ``folder/name``, creating the folders ``name`` passes through."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def schema_wsdl(folder: Path, namespace: str, schema: str, name: str = "schema.wsdl") -> Any:
    """A WSDL holding only ``schema`` (XSD declarations in ``namespace``, prefix ``tns``), written and loaded."""
    from toolkit.load import load_contract
    from toolkit.soap.load import SoapContract

    path = write_file(
        folder,
        name,
        f"""<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="{namespace}" targetNamespace="{namespace}"><wsdl:types>
  <xs:schema targetNamespace="{namespace}" elementFormDefault="qualified">{schema}</xs:schema></wsdl:types>
</wsdl:definitions>""",
    )
    contract = load_contract(path)
    assert isinstance(contract, SoapContract)
    return contract


def write_workspace(root: Path, config: str) -> Path:
    """``root`` made a workspace: ``config`` written as its sandbox/sandbox.toml."""
    write_file(root, "sandbox/sandbox.toml", config)
    return root


def assert_refused_output(exit_code: int, stdout: str, stderr: str, name: str) -> None:
    """Exit 2, one ``error:`` line naming ``name`` (plus an optional hint line), no traceback."""
    assert exit_code == 2, (exit_code, stdout, stderr)
    assert "Traceback" not in stdout + stderr
    lines = stderr.splitlines()
    assert 1 <= len(lines) <= 2, stderr
    assert lines[0].startswith("error: "), stderr
    assert name in lines[0], stderr
    if len(lines) == 2:
        assert lines[1].startswith("  hint: "), stderr


@dataclass
class RecordingServer:
    """A loopback HTTP server that serves files from a folder and records every path asked for."""

    url: str
    root: Path
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[RecordingServer]:
    served = tmp_path / "served"
    served.mkdir()
    record: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(served), **kwargs)

        def do_GET(self) -> None:
            record.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RecordingServer(url=f"http://127.0.0.1:{server.server_address[1]}", root=served, requests=record)
    finally:
        server.shutdown()
        server.server_close()
