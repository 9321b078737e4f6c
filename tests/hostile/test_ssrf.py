"""Server-side request forgery: a contract fetched from a public address never makes ctk connect to an
internal one (loopback, private, link-local: cloud metadata), by ``$ref``, redirect, import or DNS.

Every server a test may reach is on loopback, so the classifier is swapped for one that treats
127.0.0.1 as public and the rest of 127/8 as internal: the vendor is on 127.0.0.1, the "metadata
service" on 127.0.0.2 (Linux routes all of 127/8 to lo). The internal server holds a marker; whatever
the command, the marker must never reach the output and the internal server must record no request.
The commands run in-process (click's runner) so the swapped classifier holds for them; the real
classifier is run through a subprocess for the case it allows (a root on loopback).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import ctk
from tests.support.files import write_file, write_workspace
from tests.support.hostile_vendor import PINNED, Vendor, drift_workspace, openapi, run_ctk, vendor
from tests.support.network import real_getaddrinfo
from toolkit import sources
from toolkit.errors import InternalAddressError
from toolkit.sources import SourceReader

MARKER = "CTK-INTERNAL-METADATA-7d41e2"
METADATA = f"type: string\nenum: [{MARKER}]\ndescription: {MARKER}\n"
SECRET_PATH = "/latest/meta-data/iam.yaml"


def _public_loopback(address: str) -> bool:
    """The real classifier, except that 127.0.0.1 counts as a public address."""
    return address != "127.0.0.1" and sources.internal_kind(address) is not None


@pytest.fixture
def classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "is_internal_address", _public_loopback)


@pytest.fixture
def pair() -> Iterator[tuple[Vendor, Vendor]]:
    """The public vendor on 127.0.0.1 and the internal server on 127.0.0.2, on the same port."""
    for _ in range(20):
        with vendor() as public:
            port = int(public.url.rsplit(":", 1)[1])
            try:
                internal_server = vendor("127.0.0.2", port)
                internal = internal_server.__enter__()
            except OSError:  # that port is taken on 127.0.0.2: try another
                continue
            try:
                internal.put(SECRET_PATH, METADATA)
                yield public, internal
            finally:
                internal_server.__exit__(None, None, None)
            return
    pytest.skip("no port free on both 127.0.0.1 and 127.0.0.2")


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[str]]]:
    """Host name -> its successive answers (the last one repeats), on top of the loopback-only resolver."""
    table: dict[str, list[list[str]]] = {}
    real = socket.getaddrinfo

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in table:
            return real(host, port, *args, **kwargs)
        answers = table[host]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        number = int(port or 0)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, number)) for address in answer]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return table


def assert_refused(result: tuple[int, str, str], *names: str) -> None:
    code, stdout, stderr = result
    assert code == 2, (code, stdout, stderr)
    assert "Traceback" not in stdout + stderr
    assert MARKER not in stdout + stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert errors, stderr
    for name in (*names, "internal address"):
        assert name in errors[0], stderr
    assert "--mirror" in stderr


def run(command: str, url: str, tmp_path: Path) -> tuple[int, str, str]:
    if command == "drift API":
        return ctk("drift", "remote", "--workspace", str(drift_workspace(tmp_path / "ws", url)))
    if command == "drift OLD URL":
        return ctk("drift", str(write_file(tmp_path, "old.yaml", PINNED)), url)
    return ctk(*command.split(), url)


# -- a public root may not reach an internal address ------------------------------------------------------


@pytest.mark.usefixtures("classifier")
@pytest.mark.parametrize("command", ["lint", "serve --check", "drift OLD URL", "drift API"])
def test_a_ref_to_an_internal_address_is_refused(pair: tuple[Vendor, Vendor], tmp_path: Path, command: str) -> None:
    public, internal = pair
    ref = internal.url + SECRET_PATH
    url = public.put("/api/openapi.yaml", openapi(ref))
    # names the reference, the referring document (its place) and what to do
    assert_refused(run(command, url, tmp_path), ref, url, "127.0.0.2")
    assert internal.requests == []


@pytest.mark.usefixtures("classifier")
@pytest.mark.parametrize(
    ("ref", "address"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "169.254.169.254"),
        ("http://10.0.0.5/internal-admin", "10.0.0.5"),
        ("http://[::1]:9/x.yaml", "::1"),
        ("http://0.0.0.0:9/x.yaml", "0.0.0.0"),
        ("http://[::ffff:a9fe:a9fe]/latest/meta-data/", "::ffff:a9fe:a9fe"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254"),
        ("http://100.100.100.200/latest/meta-data/", "100.100.100.200"),
    ],
)
def test_a_ref_to_an_internal_address_literal_is_refused_before_any_lookup(
    pair: tuple[Vendor, Vendor], ref: str, address: str
) -> None:
    # conftest refuses resolving or connecting to anything but loopback: a refusal here happened before both
    public, _ = pair
    url = public.put("/api.yaml", openapi(ref))
    assert_refused(ctk("lint", url), ref, f"internal address {address}")


@pytest.mark.usefixtures("classifier")
@pytest.mark.parametrize("where", ["root", "reference"])
def test_a_redirect_to_an_internal_address_is_refused(pair: tuple[Vendor, Vendor], where: str) -> None:
    public, internal = pair
    public.redirects["/schemas.yaml"] = internal.url + SECRET_PATH
    if where == "root":
        public.redirects["/api.yaml"] = internal.url + SECRET_PATH
        url = public.url + "/api.yaml"
        named: tuple[str, ...] = (url, "redirects to " + internal.url + SECRET_PATH)
    else:
        url = public.put("/api.yaml", openapi("schemas.yaml"))
        named = (url, public.url + "/schemas.yaml", "redirects to " + internal.url + SECRET_PATH)
    assert_refused(ctk("lint", url), *named)
    assert internal.requests == []


@pytest.mark.usefixtures("classifier")
@pytest.mark.parametrize("answer", [["127.0.0.2"], ["127.0.0.1", "127.0.0.2"]], ids=["internal", "one-of-two"])
def test_a_name_that_resolves_to_an_internal_address_is_refused(
    pair: tuple[Vendor, Vendor], names: dict[str, list[list[str]]], answer: list[str]
) -> None:
    # every address a name resolves to is checked: one internal among public ones is enough
    public, internal = pair
    port = public.url.rsplit(":", 1)[1]
    names["metadata.vendor.test"] = [answer]
    public.put(SECRET_PATH, "type: string\n")
    ref = f"http://metadata.vendor.test:{port}{SECRET_PATH}"
    url = public.put("/api.yaml", openapi(ref))
    assert_refused(ctk("lint", url), ref, "127.0.0.2")
    assert internal.requests == [] and SECRET_PATH not in public.requests


@pytest.mark.usefixtures("classifier")
@pytest.mark.parametrize("host", ["2130706434", "0x7f.0.0.2", "127.0.2", "017700000002"])
def test_an_address_spelt_otherwise_is_judged_by_what_it_resolves_to(
    pair: tuple[Vendor, Vendor], monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    # the C resolver reads these as 127.0.0.2: the check is on the resolved address, never on the URL's text
    public, internal = pair
    guarded = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda name, *args, **kwargs: (real_getaddrinfo if name == host else guarded)(name, *args, **kwargs),
    )
    ref = f"http://{host}:{internal.url.rsplit(':', 1)[1]}{SECRET_PATH}"
    url = public.put("/api.yaml", openapi(ref))
    assert_refused(ctk("lint", url), ref, "internal address 127.0.0.2")
    assert internal.requests == []


@pytest.mark.usefixtures("classifier")
def test_dns_rebinding_cannot_move_the_connection(
    pair: tuple[Vendor, Vendor], names: dict[str, list[list[str]]]
) -> None:
    # the name answers public when checked and internal ever after: the connection goes to the checked address
    public, internal = pair
    port = public.url.rsplit(":", 1)[1]
    names["rebind.vendor.test"] = [["127.0.0.1"], ["127.0.0.2"]]
    public.put(SECRET_PATH, "type: string\n")
    url = public.put("/api.yaml", openapi(f"http://rebind.vendor.test:{port}{SECRET_PATH}"))
    code, stdout, stderr = ctk("lint", url)
    assert code == 0, stdout + stderr
    assert MARKER not in stdout + stderr
    assert SECRET_PATH in public.requests and internal.requests == []


@pytest.mark.usefixtures("classifier")
def test_a_wsdl_import_of_an_internal_schema_is_refused(pair: tuple[Vendor, Vendor]) -> None:
    public, internal = pair
    internal.put("/types.xsd", f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><!--{MARKER}--></xs:schema>')
    ref = internal.url + "/types.xsd"
    url = public.put(
        "/svc?wsdl",
        '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:t"><types><xs:schema targetNamespace="urn:t">'
        f'<xs:import namespace="urn:s" schemaLocation="{ref}"/></xs:schema></types></definitions>',
    )
    assert_refused(ctk("lint", url), ref, url)
    assert internal.requests == []


# -- drift's own fetches: the vendor's live WSDL (with credentials) and GraphQL introspection ---------------

WSDL = (
    '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'targetNamespace="urn:t"><types><xs:schema targetNamespace="urn:t">'
    '<xs:import namespace="urn:s" schemaLocation="{ref}"/></xs:schema></types></definitions>'
)


@pytest.mark.usefixtures("classifier")
def test_a_live_wsdl_with_credentials_cannot_import_an_internal_schema(
    pair: tuple[Vendor, Vendor], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    public, internal = pair
    internal.put("/types.xsd", f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><!--{MARKER}--></xs:schema>')
    ref = internal.url + "/types.xsd"
    url = public.put("/svc?wsdl", WSDL.format(ref=ref))
    write_file(tmp_path, "contracts/billing/v1/svc.wsdl", WSDL.format(ref="types.xsd"))
    write_file(tmp_path, "contracts/billing/v1/types.xsd", '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')
    monkeypatch.setenv("CTK_TEST_VENDOR_KEY", "s3cr3t-key-value")
    config = (
        '[apis.billing]\ncontract = "contracts/billing/v1"\n'
        f'[apis.billing.vendor]\nwsdl_url = "{url}"\n'
        'auth = { type = "header", name = "X-Api-Key", value_env = "CTK_TEST_VENDOR_KEY" }\n'
    )
    result = ctk("drift", "billing", "--live", "--workspace", str(write_workspace(tmp_path, config)))
    assert_refused(result, ref)
    assert "s3cr3t-key-value" not in result[1] + result[2]
    assert "/svc?wsdl" in public.requests and internal.requests == []


@pytest.mark.usefixtures("classifier")
def test_live_introspection_cannot_be_redirected_to_an_internal_address(
    pair: tuple[Vendor, Vendor], tmp_path: Path
) -> None:
    public, internal = pair
    public.redirects["/graphql"] = internal.url + SECRET_PATH
    write_file(tmp_path, "contracts/inventory/v1/schema.graphql", "type Query { item: String }\n")
    config = (
        f'[apis.inventory]\ncontract = "contracts/inventory/v1"\n'
        f'[apis.inventory.vendor]\ngraphql_endpoint = "{public.url}/graphql"\n'
    )
    result = ctk("drift", "inventory", "--live", "--workspace", str(write_workspace(tmp_path, config)))
    assert_refused(result, public.url + "/graphql", "redirects to " + internal.url + SECRET_PATH)
    assert internal.requests == []


# -- what stays allowed ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("classifier")
def test_a_root_on_an_internal_address_may_reference_internal_ones(pair: tuple[Vendor, Vendor]) -> None:
    # the user chose that network: an internal registry's contract refers to its neighbours
    public, internal = pair
    internal.put("/schemas.yaml", "type: string\n")
    public.put("/shared.yaml", "type: string\n")
    url = internal.put("/api.yaml", openapi(internal.url + "/schemas.yaml"))
    code, stdout, stderr = ctk("lint", url)
    assert code == 0, stdout + stderr
    assert "/schemas.yaml" in internal.requests


def test_a_loopback_root_may_reference_loopback_with_the_real_classifier(pair: tuple[Vendor, Vendor]) -> None:
    # the real classifier, in a subprocess: `ctk lint http://127.0.0.1:PORT/…` is the user's own machine
    public, internal = pair
    internal.put("/schemas.yaml", "type: string\n")
    url = public.put("/api.yaml", openapi(internal.url + "/schemas.yaml"))
    result = run_ctk("lint", url)
    assert result.code == 0, result.output
    assert "/schemas.yaml" in internal.requests


@pytest.mark.usefixtures("classifier")
def test_a_mirror_of_an_internal_url_needs_no_connection(pair: tuple[Vendor, Vendor], tmp_path: Path) -> None:
    public, _ = pair
    mirrored = write_file(tmp_path, "meta.yaml", "type: string\n")
    ref = "http://169.254.169.254/latest/meta-data/schema.yaml"
    url = public.put("/api.yaml", openapi(ref))
    code, stdout, stderr = ctk("lint", url, "--mirror", f"{ref}={mirrored}")
    assert code == 0, stdout + stderr


@pytest.mark.usefixtures("classifier")
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_proxy_in_the_environment_is_not_used(
    pair: tuple[Vendor, Vendor], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    # a proxy would hide the address really connected to: ctk's fetches connect directly, and the check holds
    public, internal = pair
    with vendor() as proxy:
        monkeypatch.setenv(variable, proxy.url)
        ref = internal.url + SECRET_PATH
        url = public.put("/api.yaml", openapi(ref))
        assert_refused(ctk("lint", url), ref)
        assert proxy.requests == [] and internal.requests == [] and "/api.yaml" in public.requests


# -- the library path: the classifier given to the reader ------------------------------------------------


def test_the_reader_takes_its_classifier(pair: tuple[Vendor, Vendor]) -> None:
    public, internal = pair
    reader = SourceReader(allow_network=True, is_internal=_public_loopback)
    reader.read(public.put("/api.yaml", "openapi: 3.0.3\n"))
    assert reader.address_policy.internal_allowed is False
    ref = internal.url + SECRET_PATH
    with pytest.raises(InternalAddressError) as caught:
        reader.read(ref, referrer="api.yaml:7")
    assert caught.value.where == "api.yaml:7" and caught.value.address == "127.0.0.2"
    assert f"refers to {ref}, which resolves to the internal address 127.0.0.2 (loopback)" in caught.value.message
    assert internal.requests == []
    # the real classifier: a root on loopback keeps loopback allowed
    loopback = SourceReader(allow_network=True)
    loopback.read(public.url + "/api.yaml")
    assert loopback.address_policy.internal_allowed is True
    assert loopback.read(ref, referrer="api.yaml:7").data == METADATA.encode()


def test_a_reference_fetched_before_any_root_is_held_to_public_addresses(pair: tuple[Vendor, Vendor]) -> None:
    # only the root's connection may open the internal network; a reader's first fetch being a reference does not
    _, internal = pair
    reader = SourceReader(allow_network=True, is_internal=_public_loopback)
    with pytest.raises(InternalAddressError):
        reader.read(internal.url + SECRET_PATH, referrer="api.yaml:7")
    assert reader.address_policy.internal_allowed is False and internal.requests == []
