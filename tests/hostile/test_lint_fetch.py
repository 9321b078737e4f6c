"""``ctk lint`` on OpenAPI: openapi-spec-validator reads every referenced document through the contract's reader.

The validator resolves ``$ref``s itself; it must not fetch a document again (ctk's loader has it), reach
the network for a local contract (mirrors stand in), or read a local file for a contract from a URL:
it follows ``$ref``s the loader treats as data (inside a ``default`` value), so the marker in a local
secret must never reach the output.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import assert_refused_output, ctk
from tests.support.files import write_file
from tests.support.servers import RecordingServer

MARKER = "CTK-LINT-SECRET-8e41d2"


def openapi(schema: str, *, version: str = "3.0.3") -> str:
    return (
        f"openapi: {version}\ninfo: {{title: T, version: '1'}}\npaths:\n  /things:\n    get:\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        f"              schema: {schema}\n"
    )


@pytest.fixture
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every name lookup or connection the command tries, refused (in-process, so the CLI's own are seen)."""
    attempts: list[Any] = []

    def refuse(*args: Any, **_: Any) -> Any:
        attempts.append(args[-1] if args else None)
        raise OSError("network refused by the test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_lint_by_url_requests_each_document_once(http_server: RecordingServer) -> None:
    write_file(http_server.root, "api/openapi.yaml", openapi("{$ref: 'schemas.yaml#/Thing'}"))
    write_file(
        http_server.root,
        "api/schemas.yaml",
        "Thing:\n  type: object\n  properties:\n    id: {$ref: 'more.yaml#/Id'}\n    n: {type: integer, default: 1}\n",
    )
    write_file(http_server.root, "api/more.yaml", "Id: {type: string}\n")
    code, out, err = ctk("lint", f"{http_server.url}/api/openapi.yaml")
    assert code == 0, out + err
    assert sorted(http_server.requests) == ["/api/more.yaml", "/api/openapi.yaml", "/api/schemas.yaml"]


def test_a_local_contract_lints_through_its_mirror_without_the_network(
    tmp_path: Path, network_attempts: list[Any]
) -> None:
    mirror = tmp_path / "mirror"
    # the mirrored schema's default is wrong: the validator reporting it proves it read the mirror
    write_file(mirror, "schemas.yaml", "Thing: {$ref: 'sub/thing.yaml'}\n")
    write_file(mirror, "sub/thing.yaml", "type: integer\ndefault: not-a-number\n")
    contract = write_file(tmp_path, "api.yaml", openapi("{$ref: 'https://vendor.example/specs/schemas.yaml#/Thing'}"))
    code, out, err = ctk("lint", str(contract), "--mirror", f"https://vendor.example/specs/={mirror}/")
    assert network_attempts == []
    assert "stopped early" not in out, out
    assert code == 1, out + err
    assert "'not-a-number' is not of type 'integer'" in out, out
    assert "1 error, 0 warnings" in out, out


def test_a_mirrored_contract_that_lints_clean(tmp_path: Path, network_attempts: list[Any]) -> None:
    mirror = tmp_path / "mirror"
    write_file(mirror, "schemas.yaml", "Thing: {type: object, properties: {n: {type: integer, default: 3}}}\n")
    contract = write_file(tmp_path, "api.yaml", openapi("{$ref: 'https://vendor.example/specs/schemas.yaml#/Thing'}"))
    code, out, err = ctk("lint", str(contract), "--strict", "--mirror", f"https://vendor.example/specs/={mirror}/")
    assert network_attempts == []
    assert code == 0, out + err
    assert "no problems" in out


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    return write_file(tmp_path, "private/secret.yaml", f"type: string\nenum: [{MARKER}]\ndescription: {MARKER}\n")


def remote_refs(secret: Path) -> dict[str, tuple[str, str]]:
    """(the schema, the OpenAPI version) per way of naming the local secret from a remote contract."""
    return {
        "default-file-url": (f"{{type: integer, default: {{$ref: '{secret.as_uri()}'}}}}", "3.0.3"),
        "default-file-url-upper": (f"{{type: integer, default: {{$ref: 'FILE://{secret}'}}}}", "3.0.3"),
        "default-file-url-3.1": (f"{{type: integer, default: {{$ref: '{secret.as_uri()}'}}}}", "3.1.0"),
        "nested-default": (
            f"{{type: object, properties: {{a: {{type: integer, default: {{$ref: '{secret.as_uri()}#/enum'}}}}}}}}",
            "3.0.3",
        ),
    }


@pytest.mark.parametrize(
    "kind", ["default-file-url", "default-file-url-upper", "default-file-url-3.1", "nested-default"]
)
def test_a_remote_contract_cannot_make_the_validator_read_a_local_file(
    http_server: RecordingServer, secret: Path, kind: str
) -> None:
    schema, version = remote_refs(secret)[kind]
    write_file(http_server.root, "openapi.yaml", openapi(schema, version=version))
    url = f"{http_server.url}/openapi.yaml"
    code, out, err = ctk("lint", url)
    assert MARKER not in out + err
    assert_refused_output(code, out, err, url)
    assert "local file" in err and "/$ref" in err, err  # placed at the $ref
    assert http_server.requests == ["/openapi.yaml"]


def test_a_local_contract_cannot_make_the_validator_reach_the_network(
    tmp_path: Path, network_attempts: list[Any]
) -> None:
    contract = write_file(
        tmp_path, "api.yaml", openapi("{type: integer, default: {$ref: 'https://vendor.example/secret.yaml'}}")
    )
    code, out, err = ctk("lint", str(contract))
    assert network_attempts == []
    assert_refused_output(code, out, err, "api.yaml")
    assert "https://vendor.example/secret.yaml" in err and "--mirror" in err


def test_a_mirrored_document_cannot_make_the_validator_read_a_local_file(
    tmp_path: Path, secret: Path, network_attempts: list[Any]
) -> None:
    # the loader keeps a mirrored (vendor's) document in its folder; the validator's reads must too
    mirror = tmp_path / "mirror"
    write_file(mirror, "schemas.yaml", f"Thing: {{type: integer, default: {{$ref: '{secret.as_uri()}'}}}}\n")
    contract = write_file(tmp_path, "api.yaml", openapi("{$ref: 'https://vendor.example/specs/schemas.yaml#/Thing'}"))
    code, out, err = ctk("lint", str(contract), "--mirror", f"https://vendor.example/specs/={mirror}/")
    assert network_attempts == []
    assert MARKER not in out + err
    assert code == 2, out + err
    assert "Traceback" not in out + err and err.startswith("error: "), err
