"""Hostile contract sources, through the CLI: a remote contract never reads a local file, a mirror
cannot be climbed out of, a FIFO never blocks, redirects move the base of relative references, and
a trickling vendor is cut at the fetch deadline.

Each local secret holds a unique marker; whatever the command, the marker must never reach its output.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.files import write_file, write_workspace
from tests.support.hostile_vendor import PINNED, Run, Vendor, drift_workspace, openapi, run_ctk, vendor

MARKER = "CTK-LOCAL-SECRET-5f3a9c"
SECRET_SCHEMA = f"type: string\nenum: [{MARKER}]\ndescription: {MARKER}\n"


@pytest.fixture
def remote() -> Iterator[Vendor]:
    with vendor() as server:
        yield server


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    return write_file(tmp_path, "private/secret.yaml", SECRET_SCHEMA)


def assert_refused(run: Run, *names: str) -> None:
    """Exit 2, no traceback, no marker, and an error line naming each of ``names``."""
    assert run.code == 2, run.output
    assert "Traceback" not in run.output
    assert MARKER not in run.output
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert errors, run.stderr
    for name in names:
        assert name in errors[0], run.stderr


# -- the trust boundary: a document from a URL refers only to URLs --------------------------------


def local_refs(secret: Path) -> dict[str, str]:
    return {
        "file-url": secret.as_uri(),
        "file-url-upper": "FILE://" + str(secret),
        "file-relative": "file:private/secret.yaml",
    }


@pytest.mark.parametrize("kind", ["file-url", "file-url-upper", "file-relative"])
@pytest.mark.parametrize("command", ["lint", "serve --check", "drift OLD URL", "drift API"])
def test_a_remote_contract_cannot_read_a_local_file(
    remote: Vendor, secret: Path, tmp_path: Path, command: str, kind: str
) -> None:
    ref = local_refs(secret)[kind]
    url = remote.put("/api/openapi.yaml", openapi(ref))
    if command == "drift API":
        run = run_ctk("drift", "remote", "--workspace", str(drift_workspace(tmp_path / "ws", url)))
    elif command == "drift OLD URL":
        run = run_ctk("drift", str(write_file(tmp_path, "old.yaml", PINNED)), url)
    else:
        run = run_ctk(*command.split(), url, cwd=tmp_path)
    # names the referring document (its place) and the reference, and says what to do
    assert_refused(run, url, ref, "local file")
    assert "--mirror" in run.stderr


def test_a_remote_wsdl_cannot_import_a_local_schema(remote: Vendor, tmp_path: Path) -> None:
    secret = write_file(
        tmp_path, "secret.xsd", f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><!--{MARKER}--></xs:schema>'
    )
    wsdl = (
        '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:t"><types><xs:schema targetNamespace="urn:t">'
        f'<xs:import namespace="urn:s" schemaLocation="{secret.as_uri()}"/></xs:schema></types></definitions>'
    )
    url = remote.put("/svc?wsdl", wsdl)
    assert_refused(run_ctk("lint", url), url, secret.as_uri(), "local file")


def test_a_remote_contract_may_refer_to_the_server_by_absolute_path(remote: Vendor, secret: Path) -> None:
    # "/private/secret.yaml" from a URL names a path on that server, never the local disk
    remote.put("/private/secret.yaml", "type: integer\n")
    url = remote.put("/api/openapi.yaml", openapi("/private/secret.yaml"))
    run = run_ctk("lint", url)
    assert run.code == 0, run.output
    assert "/private/secret.yaml" in remote.requests and MARKER not in run.output


# -- mirrors: the one way from a URL to the disk, confined to the mirror's folder ---------------------


@pytest.mark.parametrize("escape", ["%2e%2e%2fsecret.yaml", "%2E%2E/secret.yaml", "..%2fsecret.yaml", "link.yaml"])
def test_a_mirror_cannot_be_climbed_out_of(tmp_path: Path, escape: str) -> None:
    mirror = tmp_path / "mirror"
    write_file(mirror, "schemas.yaml", "type: string\n")
    write_file(tmp_path, "secret.yaml", SECRET_SCHEMA)
    (mirror / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    contract = write_file(tmp_path, "api.yaml", openapi(f"https://vendor.example/specs/{escape}"))
    run = run_ctk("lint", str(contract), "--mirror", f"https://vendor.example/specs/={mirror}")
    assert_refused(run, "mirror folder", escape)


def test_a_mirrored_document_stays_in_its_folder(tmp_path: Path) -> None:
    # the mirrored file is the vendor's text: its own relative references may not leave the folder either
    write_file(tmp_path, "secret.yaml", SECRET_SCHEMA)
    mirror = tmp_path / "mirror"
    write_file(mirror, "schemas.yaml", "Thing: {$ref: '../secret.yaml'}\n")
    contract = write_file(tmp_path, "api.yaml", openapi("https://vendor.example/specs/schemas.yaml#/Thing"))
    run = run_ctk("lint", str(contract), "--mirror", f"https://vendor.example/specs/={mirror}")
    assert_refused(run, "mirror folder", "../secret.yaml")


def test_a_mirror_inside_its_folder_still_loads(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    write_file(mirror, "schemas.yaml", "Thing: {$ref: 'sub/thing.yaml'}\n")
    write_file(mirror, "sub/thing.yaml", "type: string\n")
    contract = write_file(tmp_path, "api.yaml", openapi("https://vendor.example/specs/schemas.yaml#/Thing"))
    run = run_ctk("serve", "--check", str(contract), "--mirror", f"https://vendor.example/specs/={mirror}")
    assert run.code == 0, run.output


# -- only regular files: a FIFO or a device never blocks or streams forever ---------------------------


@pytest.mark.parametrize(
    ("target", "place"),
    [("fifo", "root"), ("fifo", "reference"), ("device", "root"), ("device", "reference"), ("folder", "reference")],
)
def test_only_regular_files_are_read(tmp_path: Path, target: str, place: str) -> None:
    if target == "fifo":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)  # nobody ever writes: opening it for reading the usual way blocks forever
    elif target == "device":
        path = Path("/dev/zero")  # endless, and its size says 0
    else:
        path = tmp_path / "folder.yaml"
        path.mkdir()
    if place == "root":
        run = run_ctk("lint", str(path))
    else:
        run = run_ctk("lint", str(write_file(tmp_path, "api.yaml", openapi(str(path)))))
    assert run.code == 2, run.output
    assert "Traceback" not in run.output
    expected = {"fifo": "not a regular file (it is a FIFO", "device": "it is a device", "folder": "is a folder"}
    assert expected[target] in run.stderr, run.stderr
    if place == "reference":
        assert "api.yaml" in run.stderr  # the referring file is named


# -- redirects: relative references resolve against the final URL ------------------------------------


@pytest.mark.parametrize("command", ["lint", "drift API"])
def test_relative_references_resolve_against_the_url_after_redirects(
    remote: Vendor, tmp_path: Path, command: str
) -> None:
    remote.put("/v3/openapi.yaml", openapi("schemas.yaml#/Thing"))
    remote.put("/v3/schemas.yaml", "Thing: {type: string}\n")
    remote.put("/schemas.yaml", f"Thing: {{type: string, description: {MARKER}}}\n")  # the pre-redirect base's
    remote.redirects["/latest"] = "/v3/openapi.yaml"
    url = remote.url + "/latest"
    if command == "lint":
        run = run_ctk("lint", url)
    else:
        run = run_ctk("drift", "remote", "--workspace", str(drift_workspace(tmp_path / "ws", url)))
    assert run.code in (0, 1), run.output  # drift may find changes (Pinned vs Remote); never a load error
    assert "/v3/schemas.yaml" in remote.requests
    assert "/schemas.yaml" not in remote.requests
    assert "error:" not in run.stderr, run.stderr


def test_a_wsdl_import_resolves_against_the_url_after_redirects(remote: Vendor) -> None:
    remote.put(
        "/v2/types.xsd",
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">'
        '<xs:element name="Ping" type="xs:string"/></xs:schema>',
    )
    remote.put(
        "/v2/svc.wsdl",
        '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:t"><types><xs:schema targetNamespace="urn:w">'
        '<xs:import namespace="urn:t" schemaLocation="types.xsd"/></xs:schema></types></definitions>',
    )
    remote.redirects["/svc?wsdl"] = "/v2/svc.wsdl"
    run = run_ctk("lint", remote.url + "/svc?wsdl")
    assert run.code in (0, 1) and "error:" not in run.stderr, run.output
    assert "/v2/types.xsd" in remote.requests and "/types.xsd" not in remote.requests


def test_the_served_wsdl_points_a_redirected_import_at_the_mock(remote: Vendor) -> None:
    """The import the vendor redirected is served by the mock too: ?wsdl must not send clients to the vendor."""
    from toolkit import compile_mock
    from toolkit.exchange import Request
    from toolkit.load import load_contract

    remote.put(
        "/v3/types.xsd",
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">'
        '<xs:element name="Ping" type="xs:string"/></xs:schema>',
    )
    remote.redirects["/v2/types.xsd"] = "/v3/types.xsd"
    url = remote.put(
        "/v2/svc.wsdl",
        '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:t"><types><xs:schema targetNamespace="urn:w">'
        '<xs:import namespace="urn:t" schemaLocation="types.xsd"/></xs:schema></types></definitions>',
    )
    mock = compile_mock(load_contract(url), mount="/svc")
    served = mock(Request("GET", "/svc", query="wsdl", headers=(("host", "mock.test"),))).response
    assert served.status == 200, served.body[:300]
    assert b'schemaLocation="http://mock.test/svc?xsd=' in served.body, served.body.decode()
    assert remote.url.encode() not in served.body


# -- the fetch deadline: a trickling vendor ends the command, naming the URL ---------------------------

DEADLINE = {"CTK_FETCH_TIMEOUT": "1"}


@pytest.mark.parametrize("how", ["body", "headers", "reference"])
def test_a_trickling_server_is_cut_at_the_fetch_deadline(remote: Vendor, how: str) -> None:
    if how == "reference":  # the deadline covers the whole contract: the root arrives fast, its $ref trickles
        remote.trickle_body.add("/slow.yaml")
        url = remote.put("/api.yaml", openapi("slow.yaml"))
        slow = remote.url + "/slow.yaml"
    else:
        (remote.trickle_body if how == "body" else remote.trickle_headers).add("/api.yaml")
        url = slow = remote.url + "/api.yaml"
    run = run_ctk("lint", url, env=DEADLINE)
    assert_refused(run, slow, "within 1 s")
    assert "CTK_FETCH_TIMEOUT" in run.stderr


@pytest.mark.parametrize("set_by", ["environment", "sandbox.toml"])
def test_a_trickling_vendor_is_cut_in_drift_too(remote: Vendor, tmp_path: Path, set_by: str) -> None:
    remote.trickle_body.add("/api.yaml")
    root = drift_workspace(tmp_path, remote.url + "/api.yaml")
    if set_by == "sandbox.toml":  # the workspace's [limits] table holds for drift as for serve
        config = root / "sandbox" / "sandbox.toml"
        config.write_text("[limits]\nfetch_timeout = 1\n\n" + config.read_text())
    run = run_ctk("drift", "remote", "--workspace", str(root), env=DEADLINE if set_by == "environment" else None)
    assert run.code == 2, run.output
    assert "Traceback" not in run.output
    assert "within 1 s" in run.stderr and remote.url + "/api.yaml" in run.stderr


def test_a_trickling_graphql_endpoint_is_cut_in_live_drift(remote: Vendor, tmp_path: Path) -> None:
    remote.trickle_body.add("/graphql")
    write_file(tmp_path, "contracts/inventory/v1/schema.graphql", "type Query { item: String }\n")
    config = (
        f'[apis.inventory]\ncontract = "contracts/inventory/v1"\n'
        f'[apis.inventory.vendor]\ngraphql_endpoint = "{remote.url}/graphql"\n'
    )
    run = run_ctk("drift", "inventory", "--live", "--workspace", str(write_workspace(tmp_path, config)), env=DEADLINE)
    assert run.code == 2 and "Traceback" not in run.output, run.output
    assert "within 1 s" in run.stderr and remote.url + "/graphql" in run.stderr, run.stderr


@pytest.mark.parametrize("value", ["soon", "0", "-3"])
def test_a_malformed_fetch_timeout_is_one_clear_error(remote: Vendor, value: str) -> None:
    url = remote.put("/api.yaml", PINNED)
    run = run_ctk("lint", url, env={"CTK_FETCH_TIMEOUT": value})
    assert run.code == 2 and "Traceback" not in run.output
    expected = "error: CTK_FETCH_TIMEOUT: limit fetch_timeout must be a positive finite number"
    assert run.stderr.startswith(expected), run.stderr
