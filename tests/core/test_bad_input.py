"""Bad input: every contract that cannot be loaded gives one clear error naming the file.

For each input, two checks: ``load_contract`` raises the right ``LoadError`` subclass whose
``where`` names the file (and the line or place where that makes sense), and ``ctk lint`` exits 2
with a single ``error: <where>: <message>`` line (plus an optional hint line) and no traceback.
Most CLI checks run in-process through click's CliRunner; a representative few run the real
``ctk`` console script in a subprocess.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cli import assert_refused_output, ctk, run_ctk
from tests.support.documents import wsdl
from toolkit import load_contract
from toolkit.errors import (
    LoadError,
    ParseError,
    SourceError,
    UnknownFormatError,
    UnresolvedReferenceError,
    UnsafeXMLError,
)

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path, so messages name files as "bad.json", with the default size limit."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CTK_DEBUG", raising=False)
    monkeypatch.delenv("CTK_MAX_CONTRACT_MB", raising=False)


def lint(*args: str) -> tuple[int, str, str]:
    return ctk("lint", *args)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of ``needle`` in ``text``."""
    return text[: text.index(needle)].count("\n") + 1


# --------------------------------------------------------------------------------------------
# The bad inputs
# --------------------------------------------------------------------------------------------

OPENAPI_WITH_REF = """openapi: 3.0.0
info:
  title: Refs
  version: '1'
paths:
  /x:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: "{ref}"
"""

XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:types">
  <xs:element name="Extra" type="xs:string"/>
</xs:schema>
"""


@dataclass(frozen=True)
class Bad:
    """One bad input: the file (or folder) ``name`` in tmp_path, written by ``write``."""

    name: str
    write: Callable[[Path], None]
    error: type[LoadError]
    where: str  # a regular expression the whole of ``exc.where`` must match
    message: str = ""  # a fragment ``exc.message`` must contain (case-insensitive)


def text(content: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(content, encoding="utf-8")


def data(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def nothing(path: Path) -> None:
    pass


def folder_without_contract(path: Path) -> None:
    path.mkdir()
    (path / "README.md").write_text("# Not a contract\n")
    (path / "notes.txt").write_text("openapi: 3.0.0 is mentioned here but this is not a contract\n")


def folder_with_two_roots(path: Path) -> None:
    path.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (path / name).write_text("openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n")


def ref_to_fifo(path: Path) -> None:
    """A contract whose $ref names a FIFO nobody writes to: opening it the usual way blocks forever."""
    os.mkfifo(path.parent / "pipe.yaml")
    path.write_text(OPENAPI_WITH_REF.format(ref="pipe.yaml"), encoding="utf-8")


def wsdl_importing(location: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(wsdl(imports=f'<import namespace="urn:other" location="{location}"/>'))

    return write


def wsdl_xsd_importing(location: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(wsdl(schema_imports=f'<xs:import namespace="urn:types" schemaLocation="{location}"/>'))

    return write


WSDL_IMPORT_LINE = line_of(wsdl(imports="<import"), "<import")
XSD_IMPORT_LINE = line_of(wsdl(schema_imports="<xs:import"), "<xs:import")
REF_LINE = line_of(OPENAPI_WITH_REF, "$ref")

BAD: dict[str, Bad] = {
    # 1
    "missing-file": Bad("missing.yaml", nothing, SourceError, r"missing\.yaml", "no such file"),
    # 2
    "empty-file": Bad("empty.yaml", data(b""), SourceError, r"empty\.yaml", "empty"),
    "whitespace-only": Bad("blank.yaml", data(b"  \n\t\n   \r\n"), SourceError, r"blank\.yaml", "empty"),
    # 3
    "binary-file": Bad(
        "image.png", data(b"\x89PNG\r\n\x1a\n" + b"\x00" * 256 + b"IHDR"), SourceError, r"image\.png", "binary"
    ),
    # 4
    "invalid-json": Bad(
        "bad.json", text('{"openapi": "3.0.0", "info": }'), ParseError, r"bad\.json:1:\d+", "invalid JSON"
    ),
    # 5
    "yaml-bad-indentation": Bad(
        "indent.yaml",
        text("openapi: 3.0.0\ninfo:\n  title: Indent\n   version: '1'\npaths: {}\n"),
        ParseError,
        r"indent\.yaml:4:\d+",
        "invalid YAML",
    ),
    "yaml-unclosed-quote": Bad(
        "quote.yaml",
        text("openapi: 3.0.0\ninfo:\n  title: \"unclosed\n  version: '1'\npaths: {}\n"),
        ParseError,
        r"quote\.yaml:\d+:\d+",
        "invalid YAML",
    ),
    # 6
    "xml-cut-off": Bad("cut.wsdl", text(wsdl()[: len(wsdl()) // 2]), ParseError, r"cut\.wsdl:\d+:\d+", "invalid XML"),
    # 7
    "graphql-syntax": Bad(
        "bad.graphql", text("type Query { a: }\n"), ParseError, r"bad\.graphql:1:\d+", "invalid GraphQL"
    ),
    # 8
    "graphql-undefined-type": Bad(
        "undefined.graphql", text("type Query { a: Foo }\n"), LoadError, r"undefined\.graphql:1:\d+", "Foo"
    ),
    # 9
    "ref-to-nowhere": Bad(
        "dangling.yaml",
        text(OPENAPI_WITH_REF.format(ref="#/components/schemas/Missing")),
        UnresolvedReferenceError,
        r"dangling\.yaml:\d+ \(#/paths/.*\)",
        "#/components/schemas/Missing",
    ),
    # 10
    "ref-to-missing-file": Bad(
        "ref-file.yaml",
        text(OPENAPI_WITH_REF.format(ref="./missing.yaml#/X")),
        UnresolvedReferenceError,
        r"ref-file\.yaml:\d+ \(#/paths/.*\)",
        "missing.yaml",
    ),
    # 11
    "wsdl-import-missing-file": Bad(
        "import.wsdl",
        wsdl_importing("missing.wsdl"),
        UnresolvedReferenceError,
        rf"import\.wsdl:{WSDL_IMPORT_LINE}",
        "missing.wsdl",
    ),
    "xsd-import-missing-file": Bad(
        "xsd-import.wsdl",
        wsdl_xsd_importing("missing.xsd"),
        UnresolvedReferenceError,
        rf"xsd-import\.wsdl:{XSD_IMPORT_LINE}",
        "missing.xsd",
    ),
    # 12
    "plain-text": Bad(
        "notes.txt",
        text("Meeting notes\nWe should write a contract one day.\n"),
        UnknownFormatError,
        r"notes\.txt",
    ),
    "json-not-openapi": Bad(
        "package.json",
        text('{"name": "thing", "version": "1.0.0", "paths": {}}'),
        UnknownFormatError,
        r"package\.json",
        "openapi",
    ),
    "yaml-not-openapi": Bad(
        "config.yaml", text("name: thing\nversion: 1\nitems:\n  - a\n"), UnknownFormatError, r"config\.yaml", "openapi"
    ),
    "asyncapi": Bad(
        "events.yaml",
        text("asyncapi: 2.6.0\ninfo:\n  title: Events\n  version: '1'\nchannels: {}\n"),
        UnknownFormatError,
        r"events\.yaml",
        "AsyncAPI",
    ),
    "xml-not-wsdl": Bad(
        "pom.xml",
        text('<?xml version="1.0"?>\n<project><modelVersion>4.0.0</modelVersion></project>\n'),
        UnknownFormatError,
        r"pom\.xml",
        "<project>",
    ),
    "bare-xsd": Bad("types.xsd", text(XSD), UnknownFormatError, r"types\.xsd", "XML Schema"),
    "wsdl-2.0": Bad(
        "service.wsdl",
        text('<?xml version="1.0"?>\n<description xmlns="http://www.w3.org/ns/wsdl" targetNamespace="urn:x"/>\n'),
        UnknownFormatError,
        r"service\.wsdl",
        "WSDL 2.0",
    ),
    # 14
    "folder-without-contract": Bad("no-contract", folder_without_contract, SourceError, r"no-contract", "no contract"),
    "folder-with-two-roots": Bad("two-roots", folder_with_two_roots, LoadError, r"two-roots", "a.yaml, b.yaml"),
    # 15 (deeply nested YAML is tested in a subprocess below: see test_deeply_nested_yaml_*)
    "deep-json-unclosed": Bad("deep.json", data(b"[" * 100_000), ParseError, r"deep\.json(:\d+:\d+)?", "JSON"),
    "deep-json-closed": Bad(
        "deep-closed.json",
        data(b'{"openapi": "3.0.0", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        ParseError,
        r"deep-closed\.json(:\d+:\d+)?",
        "nested too deeply",
    ),
    # 16
    "latin-1-yaml": Bad(
        "latin1.yaml",
        data("openapi: 3.0.0\ninfo:\n  title: Café\n  version: '1'\npaths: {}\n".encode("latin-1")),
        SourceError,
        r"latin1\.yaml",
        "UTF-8",
    ),
    # 17: source-level hazards that used to escape as internal errors or hangs
    "huge-int-json": Bad(
        "huge.json", text('{"openapi": "3.0.0",\n"x": ' + "9" * 5000 + "}"), ParseError, r"huge\.json:2", "digits"
    ),
    "huge-int-after-long-ones": Bad(  # long numbers under the limit first: the search for the culprit stays linear
        "many.json",
        text('{"openapi": "3.0.0",\n"x": [' + ",".join(["1" * 4000] * 300) + '],\n\n"y": ' + "9" * 5000 + "}"),
        ParseError,
        r"many\.json:4",
        "digits",
    ),
    "huge-int-yaml": Bad(
        "huge.yaml", text("openapi: 3.0.0\nx: " + "9" * 5000 + "\n"), ParseError, r"huge\.yaml:2", "digits"
    ),
    "nul-in-ref": Bad(
        "nul.yaml",
        text(OPENAPI_WITH_REF.format(ref="a%00b.yaml")),
        UnresolvedReferenceError,
        r"nul\.yaml:\d+ .*",
        "NUL",
    ),
    "ref-to-fifo": Bad("fifo.yaml", ref_to_fifo, SourceError, r"fifo\.yaml:\d+ .*", "not a regular file"),
    # (XXE, here as one more bad input; tests/core/test_xml_safety.py covers the attacks in depth)
    "xxe": Bad(
        "xxe.wsdl",
        text(
            wsdl(
                doctype='<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
                documentation="&xxe;",
            )
        ),
        UnsafeXMLError,
        r"xxe\.wsdl:2",
        "DOCTYPE",
    ),
}


def make(case: Bad, tmp_path: Path) -> Path:
    path = tmp_path / case.name
    case.write(path)
    return path


@pytest.mark.parametrize("key", list(BAD))
def test_load_contract_raises_a_load_error_naming_the_file(key: str, tmp_path: Path) -> None:
    case = BAD[key]
    path = make(case, tmp_path)
    with pytest.raises(LoadError) as info:
        load_contract(path)
    error = info.value
    assert type(error) is case.error, f"{type(error).__name__}: {error}"
    assert error.where is not None and re.fullmatch(case.where, error.where), error.where
    assert case.name in str(error)
    assert case.message.lower() in error.message.lower()


# A $ref that leads nowhere is a lint finding at its place (exit 1: tests/openapi/test_lint_references.py), and
# still a load error above (for a mock or a diff).
LINT_FINDINGS = ("ref-to-nowhere", "ref-to-missing-file", "nul-in-ref")


@pytest.mark.parametrize("key", [key for key in BAD if key not in LINT_FINDINGS])
def test_ctk_lint_exits_2_with_one_error_line_naming_the_file(key: str, tmp_path: Path) -> None:
    case = BAD[key]
    make(case, tmp_path)
    assert_refused_output(*lint(case.name), name=case.name)


@pytest.mark.parametrize(
    "key",
    ["missing-file", "yaml-bad-indentation", "yaml-unclosed-quote", "xxe", "binary-file", "folder-with-two-roots"],
)
def test_ctk_subprocess_exits_2_with_one_error_line_naming_the_file(key: str, tmp_path: Path) -> None:
    case = BAD[key]
    make(case, tmp_path)
    proc = run_ctk("lint", case.name, cwd=tmp_path)
    assert_refused_output(proc.returncode, proc.stdout, proc.stderr, name=case.name)


def test_ctk_subprocess_json_format_still_reports_load_errors_on_stderr(tmp_path: Path) -> None:
    make(BAD["invalid-json"], tmp_path)
    proc = run_ctk("lint", "bad.json", "--format", "json", cwd=tmp_path)
    assert_refused_output(proc.returncode, proc.stdout, proc.stderr, name="bad.json:1:")
    assert proc.stdout == ""


def test_missing_file_in_a_subfolder_is_named_with_its_folder(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    with pytest.raises(SourceError) as info:
        load_contract("contracts/nope.yaml")
    assert info.value.where == os.path.join("contracts", "nope.yaml")


def test_ref_to_nowhere_names_the_json_pointer_of_the_ref(tmp_path: Path) -> None:
    path = make(BAD["ref-to-nowhere"], tmp_path)
    with pytest.raises(UnresolvedReferenceError) as info:
        load_contract(path)
    assert "#/paths/~1x/get/responses/200/content/application~1json/schema" in str(info.value.where)


@pytest.mark.parametrize("key", ["ref-to-nowhere", "ref-to-missing-file"])
def test_bad_ref_is_placed_at_the_line_of_the_ref(key: str, tmp_path: Path) -> None:
    case = BAD[key]
    path = make(case, tmp_path)
    with pytest.raises(LoadError) as info:
        load_contract(path)
    assert str(info.value.where).startswith(f"{case.name}:{REF_LINE} "), info.value.where


# --------------------------------------------------------------------------------------------
# 13: the size limit
# --------------------------------------------------------------------------------------------

OPENAPI_HEAD = b"openapi: 3.0.0\ninfo:\n  title: Big\n  version: '1'\npaths: {}\n"


def sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that starts like an OpenAPI document and takes no disk space."""
    with open(path, "wb") as handle:
        handle.write(OPENAPI_HEAD)
        handle.truncate(size)
    return path


def padded_yaml(path: Path, size: int) -> Path:
    """A real (non-sparse) valid OpenAPI YAML of ``size`` bytes: the head, then a long comment."""
    path.write_bytes(OPENAPI_HEAD + b"# " + b"x" * (size - len(OPENAPI_HEAD) - 3) + b"\n")
    return path


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = sparse_file(tmp_path / "huge.yaml", 50 * MB)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(SourceError) as info:
            load_contract(path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.where == "huge.yaml"
    assert "50.0 MB" in info.value.message
    assert "32 MB limit" in info.value.message
    assert "CTK_MAX_CONTRACT_MB" in (info.value.hint or "")
    assert peak < 5 * MB, f"{peak / MB:.1f} MB allocated: the file was read"
    assert elapsed < 5


def test_ctk_lint_refuses_a_50_mb_file(tmp_path: Path) -> None:
    sparse_file(tmp_path / "huge.yaml", 50 * MB)
    exit_code, stdout, stderr = lint("huge.yaml")
    assert_refused_output(exit_code, stdout, stderr, name="huge.yaml")
    assert "32 MB limit" in stderr


def test_ctk_subprocess_refuses_a_50_mb_file(tmp_path: Path) -> None:
    sparse_file(tmp_path / "huge.yaml", 50 * MB)
    proc = run_ctk("lint", "huge.yaml", cwd=tmp_path)
    assert_refused_output(proc.returncode, proc.stdout, proc.stderr, name="huge.yaml")
    assert "limit" in proc.stderr


def test_lowered_limit_refuses_a_2_mb_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = padded_yaml(tmp_path / "two.yaml", 2 * MB)
    load_contract(path)  # fine under the default limit
    monkeypatch.setenv("CTK_MAX_CONTRACT_MB", "1")
    with pytest.raises(SourceError) as info:
        load_contract(path)
    assert info.value.where == "two.yaml"
    assert "1 MB limit" in info.value.message
    exit_code, stdout, stderr = lint("two.yaml")
    assert_refused_output(exit_code, stdout, stderr, name="two.yaml")
    assert "1 MB limit" in stderr


def test_ctk_subprocess_honours_a_lowered_limit(tmp_path: Path) -> None:
    padded_yaml(tmp_path / "two.yaml", 2 * MB)
    proc = run_ctk("lint", "two.yaml", cwd=tmp_path, env={"CTK_MAX_CONTRACT_MB": "1"})
    assert_refused_output(proc.returncode, proc.stdout, proc.stderr, name="two.yaml")
    assert "1 MB limit" in proc.stderr


def test_raised_limit_lets_a_file_over_the_default_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = sparse_file(tmp_path / "huge.yaml", 50 * MB)
    monkeypatch.setenv("CTK_MAX_CONTRACT_MB", "64")
    with pytest.raises(SourceError) as info:
        load_contract(path)
    # past the size check, the file is read and refused for what it holds (NUL bytes), not its size
    assert "limit" not in info.value.message
    assert "binary" in info.value.message


def test_a_huge_limit_still_loads_a_small_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "small.wsdl"
    path.write_text(wsdl())
    monkeypatch.setenv("CTK_MAX_CONTRACT_MB", "100000")  # "no practical limit": 100 GB
    contract = load_contract(path)
    assert [op.name for op in contract.operations] == ["GetAccount"]


def test_reading_a_small_contract_does_not_reserve_the_whole_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "small.wsdl"
    path.write_text(wsdl())  # about 2 KB
    tracemalloc.start()
    try:
        load_contract(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * MB, f"loading a {path.stat().st_size} byte file allocated {peak / MB:.1f} MB"


# --------------------------------------------------------------------------------------------
# 15: deeply nested YAML (in a subprocess: a crash here must not take the test run with it)
# --------------------------------------------------------------------------------------------

DEEP_YAML = {
    "unclosed": b"openapi: 3.0.0\nx: " + b"[" * 100_000 + b"\n",
    "closed": b"openapi: 3.0.0\nx: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
}

_LOAD_AND_REPORT = """
import sys
from toolkit import load_contract
from toolkit.errors import LoadError
try:
    load_contract(sys.argv[1])
except LoadError as exc:
    print(type(exc).__name__)
    print(exc.where)
else:
    print("loaded")
"""


@pytest.mark.parametrize("shape", sorted(DEEP_YAML))
def test_deeply_nested_yaml_is_a_parse_error(tmp_path: Path, shape: str) -> None:
    (tmp_path / "deep.yaml").write_bytes(DEEP_YAML[shape])
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD_AND_REPORT, "deep.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"the interpreter died (exit {proc.returncode}): {proc.stderr[-500:]}"
    kind, where = proc.stdout.split(maxsplit=1)
    assert kind == "ParseError", proc.stdout
    assert where.startswith("deep.yaml"), proc.stdout


@pytest.mark.parametrize("shape", sorted(DEEP_YAML))
def test_ctk_subprocess_refuses_deeply_nested_yaml(tmp_path: Path, shape: str) -> None:
    (tmp_path / "deep.yaml").write_bytes(DEEP_YAML[shape])
    proc = run_ctk("lint", "deep.yaml", cwd=tmp_path)
    assert "RecursionError" not in proc.stderr
    assert_refused_output(proc.returncode, proc.stdout, proc.stderr, name="deep.yaml")


def test_ctk_subprocess_refuses_deeply_nested_json(tmp_path: Path) -> None:
    make(BAD["deep-json-closed"], tmp_path)
    proc = run_ctk("lint", "deep-closed.json", cwd=tmp_path)
    assert "RecursionError" not in proc.stderr
    assert_refused_output(proc.returncode, proc.stdout, proc.stderr, name="deep-closed.json")


# --------------------------------------------------------------------------------------------
# 17: --debug, and usage errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["--debug", "lint", "missing.yaml"], ["lint", "missing.yaml", "--debug"]], ids=["group", "command"]
)
def test_debug_shows_the_traceback(tmp_path: Path, args: list[str]) -> None:
    proc = run_ctk(*args, cwd=tmp_path)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr
    assert "SourceError" in proc.stderr
    assert "missing.yaml" in proc.stderr


def test_ctk_debug_env_shows_the_traceback(tmp_path: Path) -> None:
    proc = run_ctk("lint", "missing.yaml", cwd=tmp_path, env={"CTK_DEBUG": "1"})
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


def test_without_debug_the_same_error_has_no_traceback(tmp_path: Path) -> None:
    proc = run_ctk("lint", "missing.yaml", cwd=tmp_path)
    assert_refused_output(proc.returncode, proc.stdout, proc.stderr, name="missing.yaml")


def test_lint_without_an_argument_is_a_usage_error() -> None:
    exit_code, stdout, stderr = lint()
    assert exit_code == 2
    assert "Missing argument" in stderr
    assert "Traceback" not in stdout + stderr


def test_ctk_subprocess_lint_without_an_argument_exits_2(tmp_path: Path) -> None:
    proc = run_ctk("lint", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Usage:" in proc.stderr
    assert "Traceback" not in proc.stderr
