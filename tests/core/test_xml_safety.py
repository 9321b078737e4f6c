"""Hostile XML is refused, and nothing it points at is fetched or expanded.

Every attack below is written so that it WOULD work against a naive parser: the files it refers
to are served by the loopback ``http_server``, so an empty ``server.requests`` afterwards proves
that ctk did not ask for them (rather than that the fetch merely failed).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.cli import assert_refused_output, run_ctk
from tests.support.documents import wsdl, xsd
from tests.support.servers import RecordingServer
from toolkit import load_contract
from toolkit.cli import cli
from toolkit.errors import RemoteReferenceError, UnsafeXMLError
from toolkit.soap.xml import parse_xml
from toolkit.sources import Source


def import_types(location: str) -> str:
    return f'<xs:import namespace="urn:types" schemaLocation="{location}"/>'


def billion_laughs(root: str) -> str:
    """The classic 10-level entity bomb: &lol9; expands to 10**9 "lol"s (about 3 GB)."""
    levels = [f'  <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    levels[0] = '  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    return f'<!DOCTYPE {root} [\n  <!ENTITY lol "lol">\n' + "\n".join(levels) + "\n]>\n"


# Each attack: (DOCTYPE for a document whose root is ``root``, text to put where entities expand).
Attack = Callable[[str, str], tuple[str, str]]
ATTACKS: dict[str, Attack] = {
    "xxe-http": lambda url, root: (f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{url}/secret">]>\n', "&xxe;"),
    "xxe-file": lambda url, root: (f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n', "&xxe;"),
    "external-dtd": lambda url, root: (f'<!DOCTYPE {root} SYSTEM "{url}/evil.dtd">\n', "Returns one account."),
    "parameter-entity": lambda url, root: (
        f'<!DOCTYPE {root} [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>\n',
        "&leak;",
    ),
    "billion-laughs": lambda url, root: (billion_laughs(root), "&lol9;"),
}


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path, so messages name files as "evil.wsdl", and without CTK_DEBUG."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CTK_DEBUG", raising=False)
    monkeypatch.delenv("CTK_MAX_CONTRACT_MB", raising=False)


@pytest.fixture
def server(http_server: RecordingServer) -> RecordingServer:
    """The loopback server, holding everything the attacks point at (so a fetch WOULD succeed)."""
    root = http_server.root
    (root / "secret").write_text("TOP-SECRET-VALUE\n")
    (root / "evil.dtd").write_text(f'<!ENTITY leak SYSTEM "{http_server.url}/secret">\n')
    (root / "p.dtd").write_text(f'<!ENTITY leak SYSTEM "{http_server.url}/secret">\n')
    (root / "other.wsdl").write_text(wsdl())
    (root / "t.xsd").write_text(xsd())
    (root / "schemas.yaml").write_text("X:\n  type: string\n")
    return http_server


def lint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["lint", *args])
    return result.exit_code, result.stdout, result.stderr


def assert_load_refused(path: Path, server: RecordingServer, name: str, *, where: str | None = None) -> None:
    """Loading ``path`` is refused as unsafe, naming the file ``name`` (at ``where``), and nothing is fetched."""
    with pytest.raises(UnsafeXMLError) as info:
        load_contract(path)
    if where is not None:
        assert info.value.where == where
    assert name in str(info.value)
    assert server.requests == []


def write_hostile_wsdl(tmp_path: Path, server: RecordingServer, attack: str) -> Path:
    doctype, payload = ATTACKS[attack](server.url, "definitions")
    path = tmp_path / "evil.wsdl"
    path.write_text(wsdl(doctype=doctype, documentation=payload))
    return path


# --------------------------------------------------------------------------------------------
# 1-5: hostile WSDLs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_wsdl_is_refused_as_unsafe_and_nothing_is_fetched(
    tmp_path: Path, server: RecordingServer, attack: str
) -> None:
    path = write_hostile_wsdl(tmp_path, server, attack)
    assert_load_refused(path, server, "evil.wsdl", where="evil.wsdl:2")  # the line of the DOCTYPE


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_ctk_lint_refuses_hostile_wsdl_and_nothing_is_fetched(
    tmp_path: Path, server: RecordingServer, attack: str
) -> None:
    path = write_hostile_wsdl(tmp_path, server, attack)
    assert_refused_output(*lint(str(path)), name="evil.wsdl")
    assert server.requests == []


def test_ctk_lint_subprocess_refuses_xxe_and_nothing_is_fetched(tmp_path: Path, server: RecordingServer) -> None:
    write_hostile_wsdl(tmp_path, server, "xxe-http")
    proc = run_ctk("lint", "evil.wsdl", cwd=tmp_path)
    assert_refused_output(proc.returncode, proc.stdout, proc.stderr, name="evil.wsdl")
    assert "DOCTYPE" in proc.stderr
    assert "TOP-SECRET-VALUE" not in proc.stdout + proc.stderr
    assert server.requests == []


def test_xxe_of_a_local_file_does_not_leak_its_content(tmp_path: Path, server: RecordingServer) -> None:
    path = write_hostile_wsdl(tmp_path, server, "xxe-file")
    with pytest.raises(UnsafeXMLError) as info:
        load_contract(path)
    assert "root:" not in str(info.value)
    exit_code, stdout, stderr = lint(str(path))
    assert exit_code == 2
    assert "root:" not in stdout + stderr


def test_external_dtd_is_not_requested(tmp_path: Path, server: RecordingServer) -> None:
    path = write_hostile_wsdl(tmp_path, server, "external-dtd")
    with pytest.raises(UnsafeXMLError):
        load_contract(path)
    assert "/evil.dtd" not in server.requests
    assert server.requests == []


def test_parameter_entity_is_not_requested(tmp_path: Path, server: RecordingServer) -> None:
    path = write_hostile_wsdl(tmp_path, server, "parameter-entity")
    with pytest.raises(UnsafeXMLError):
        load_contract(path)
    assert server.requests == []


def test_billion_laughs_is_refused_without_expanding(
    tmp_path: Path, server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_hostile_wsdl(tmp_path, server, "billion-laughs")
    # The reader sizes its read buffer by the size limit (see
    # test_reading_a_small_contract_does_not_reserve_the_whole_size_limit in test_bad_input.py);
    # a 1 MB limit keeps that buffer out of a measurement that is about entity expansion.
    monkeypatch.setenv("CTK_MAX_CONTRACT_MB", "1")
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeXMLError):
            load_contract(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1048576:.1f} MB: something was expanded"


def test_parse_xml_refuses_billion_laughs_without_expanding(server: RecordingServer) -> None:
    doctype, payload = ATTACKS["billion-laughs"](server.url, "definitions")
    data = wsdl(doctype=doctype, documentation=payload).encode()
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeXMLError):
            parse_xml(Source("/contracts/lol.wsdl", data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


# --------------------------------------------------------------------------------------------
# 6: the same attacks in an XSD that a WSDL imports
# --------------------------------------------------------------------------------------------


def write_wsdl_importing_hostile_xsd(tmp_path: Path, server: RecordingServer, attack: str) -> Path:
    doctype, payload = ATTACKS[attack](server.url, "xs:schema")
    (tmp_path / "evil.xsd").write_text(xsd(doctype=doctype, documentation=payload))
    path = tmp_path / "main.wsdl"
    path.write_text(wsdl(schema_imports=import_types("evil.xsd")))
    return path


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_xsd_imported_by_a_wsdl_is_refused_naming_the_xsd(
    tmp_path: Path, server: RecordingServer, attack: str
) -> None:
    path = write_wsdl_importing_hostile_xsd(tmp_path, server, attack)
    assert_load_refused(path, server, "evil.xsd", where="evil.xsd:2")


@pytest.mark.parametrize("attack", ["xxe-http", "billion-laughs"])
def test_ctk_lint_refuses_hostile_imported_xsd_naming_it(tmp_path: Path, server: RecordingServer, attack: str) -> None:
    path = write_wsdl_importing_hostile_xsd(tmp_path, server, attack)
    assert_refused_output(*lint(str(path)), name="evil.xsd")
    assert server.requests == []


# --------------------------------------------------------------------------------------------
# 7: a DOCTYPE the byte scan cannot see (UTF-16)
# --------------------------------------------------------------------------------------------


def utf16_wsdl(doctype: str = "", documentation: str = "Returns one account.") -> bytes:
    return wsdl(doctype=doctype, documentation=documentation, encoding="UTF-16").encode("utf-16")  # with a BOM


def test_parse_xml_refuses_a_doctype_hidden_in_utf16(server: RecordingServer) -> None:
    doctype, payload = ATTACKS["xxe-http"](server.url, "definitions")
    data = utf16_wsdl(doctype, payload)
    assert b"<!DOCTYPE" not in data  # what the byte scan looks for is not there
    with pytest.raises(UnsafeXMLError) as info:
        parse_xml(Source(str(Path.cwd() / "evil16.wsdl"), data))
    assert "evil16.wsdl" in str(info.value)
    assert server.requests == []


def write_hostile_utf16_wsdl(tmp_path: Path, server: RecordingServer) -> Path:
    doctype, payload = ATTACKS["xxe-http"](server.url, "definitions")
    path = tmp_path / "evil16.wsdl"
    path.write_bytes(utf16_wsdl(doctype, payload))
    return path


def test_utf16_wsdl_with_doctype_is_refused_as_unsafe(tmp_path: Path, server: RecordingServer) -> None:
    assert_load_refused(write_hostile_utf16_wsdl(tmp_path, server), server, "evil16.wsdl")


def test_ctk_lint_refuses_utf16_wsdl_with_doctype(tmp_path: Path, server: RecordingServer) -> None:
    path = write_hostile_utf16_wsdl(tmp_path, server)
    exit_code, stdout, stderr = lint(str(path))
    assert_refused_output(exit_code, stdout, stderr, name="evil16.wsdl")
    assert "DOCTYPE" in stderr  # refused for being unsafe, not for some other reason
    assert server.requests == []


def test_utf16_wsdl_without_doctype_loads(tmp_path: Path) -> None:
    """The counterpart: UTF-16 itself is legal XML; only the DOCTYPE makes the file unsafe."""
    path = tmp_path / "plain16.wsdl"
    path.write_bytes(utf16_wsdl())
    contract = load_contract(path)
    assert [op.name for op in contract.operations] == ["GetAccount"]


# --------------------------------------------------------------------------------------------
# 8: a local contract that refers to the network
# --------------------------------------------------------------------------------------------


def _remote_wsdl_import(url: str) -> tuple[str, str]:
    return "remote-import.wsdl", wsdl(imports=f'<import namespace="urn:other" location="{url}/other.wsdl"/>')


def _remote_xsd_include(url: str) -> tuple[str, str]:
    return "remote-include.wsdl", wsdl(schema_imports=f'<xs:include schemaLocation="{url}/t.xsd"/>')


def _remote_openapi_ref(url: str) -> tuple[str, str]:
    return "remote-ref.yaml", (
        "openapi: 3.0.0\n"
        "info:\n  title: Remote\n  version: '1'\n"
        "paths:\n"
        "  /x:\n"
        "    get:\n"
        "      responses:\n"
        "        '200':\n"
        "          description: ok\n"
        "          content:\n"
        "            application/json:\n"
        "              schema:\n"
        f'                $ref: "{url}/schemas.yaml#/X"\n'
    )


REMOTE = {
    "wsdl-import": (_remote_wsdl_import, "/other.wsdl"),
    "xsd-include": (_remote_xsd_include, "/t.xsd"),
    "openapi-ref": (_remote_openapi_ref, "/schemas.yaml"),
}


@pytest.mark.parametrize("case", sorted(REMOTE))
def test_local_contract_referring_to_a_url_is_refused_and_nothing_is_fetched(
    tmp_path: Path, server: RecordingServer, case: str
) -> None:
    make, target = REMOTE[case]
    name, text = make(server.url)
    (tmp_path / name).write_text(text)
    with pytest.raises(RemoteReferenceError) as info:
        load_contract(tmp_path / name)
    assert info.value.where is not None and info.value.where.startswith(f"{name}:")
    assert f"{server.url}{target}" in info.value.message
    assert server.requests == []


@pytest.mark.parametrize("case", sorted(REMOTE))
def test_ctk_lint_refuses_local_contract_referring_to_a_url(tmp_path: Path, server: RecordingServer, case: str) -> None:
    make, _ = REMOTE[case]
    name, text = make(server.url)
    (tmp_path / name).write_text(text)
    assert_refused_output(*lint(name), name=name)
    assert server.requests == []


def test_ctk_lint_subprocess_refuses_remote_wsdl_import(tmp_path: Path, server: RecordingServer) -> None:
    name, text = _remote_wsdl_import(server.url)
    (tmp_path / name).write_text(text)
    proc = run_ctk("lint", name, cwd=tmp_path)
    assert_refused_output(proc.returncode, proc.stdout, proc.stderr, name=name)
    assert server.requests == []


# --------------------------------------------------------------------------------------------
# 9: a contract loaded BY URL may fetch what it refers to
# --------------------------------------------------------------------------------------------


def test_wsdl_loaded_by_url_fetches_its_relative_import(server: RecordingServer) -> None:
    (server.root / "types.xsd").write_text(xsd())
    (server.root / "main.wsdl").write_text(wsdl(schema_imports=import_types("types.xsd")))
    contract = load_contract(f"{server.url}/main.wsdl")
    assert [op.name for op in contract.operations] == ["GetAccount"]
    assert f"{server.url}/types.xsd" in contract.files
    assert server.requests == ["/main.wsdl", "/types.xsd"]


def test_ctk_lint_wsdl_by_url_works(server: RecordingServer) -> None:
    (server.root / "types.xsd").write_text(xsd())
    (server.root / "main.wsdl").write_text(wsdl(schema_imports=import_types("types.xsd")))
    exit_code, stdout, stderr = lint(f"{server.url}/main.wsdl")
    assert exit_code in (0, 1), stderr
    assert "GetAccount" in stdout or "1 operations" in stdout
    assert sorted(server.requests) == ["/main.wsdl", "/types.xsd"]


def test_openapi_loaded_by_url_fetches_its_relative_ref(server: RecordingServer) -> None:
    (server.root / "api.yaml").write_text(
        "openapi: 3.0.0\n"
        "info:\n  title: Pets\n  version: '1'\n"
        "paths:\n"
        "  /pets:\n"
        "    get:\n"
        "      responses:\n"
        "        '200':\n"
        "          description: ok\n"
        "          content:\n"
        "            application/json:\n"
        "              schema:\n"
        '                $ref: "pet.yaml#/Pet"\n'
    )
    (server.root / "pet.yaml").write_text("Pet:\n  type: object\n  properties:\n    name: {type: string}\n")
    contract = load_contract(f"{server.url}/api.yaml")
    assert [op.id for op in contract.operations] == ["GET /pets"]
    assert f"{server.url}/pet.yaml" in contract.files
    assert server.requests == ["/api.yaml", "/pet.yaml"]


# --------------------------------------------------------------------------------------------
# 10: mirrors map a URL onto a local file
# --------------------------------------------------------------------------------------------

VENDOR_XSD = "http://vendor.invalid/types.xsd"


def write_wsdl_importing_vendor_xsd(tmp_path: Path) -> tuple[Path, Path]:
    local_copy = tmp_path / "vendor-types.xsd"
    local_copy.write_text(xsd())
    path = tmp_path / "vendor.wsdl"
    path.write_text(wsdl(schema_imports=import_types(VENDOR_XSD)))
    return path, local_copy


def test_mirror_serves_an_imported_url_from_a_local_file(tmp_path: Path, server: RecordingServer) -> None:
    path, local_copy = write_wsdl_importing_vendor_xsd(tmp_path)
    contract = load_contract(path, mirrors={VENDOR_XSD: local_copy})
    assert str(local_copy) in contract.files
    assert "{urn:types}Extra" in contract.definitions.elements  # type: ignore[attr-defined]
    assert server.requests == []


def test_without_the_mirror_the_vendor_url_is_refused(tmp_path: Path) -> None:
    path, _ = write_wsdl_importing_vendor_xsd(tmp_path)
    with pytest.raises(RemoteReferenceError) as info:
        load_contract(path)
    assert VENDOR_XSD in info.value.message
    assert "vendor.wsdl" in str(info.value)


def test_ctk_lint_mirror_option_loads_offline(tmp_path: Path, server: RecordingServer) -> None:
    path, local_copy = write_wsdl_importing_vendor_xsd(tmp_path)
    exit_code, stdout, stderr = lint(str(path), "--mirror", f"{VENDOR_XSD}={local_copy}")
    assert exit_code in (0, 1), stderr
    assert "error:" not in stderr
    assert "Accounts" in stdout  # the contract was loaded and reported
    assert server.requests == []


def test_ctk_lint_without_mirror_exits_2(tmp_path: Path) -> None:
    path, _ = write_wsdl_importing_vendor_xsd(tmp_path)
    assert_refused_output(*lint(str(path)), name="vendor.wsdl")
