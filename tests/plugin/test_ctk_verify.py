"""``pytest --ctk-verify`` as a team's CI runs it: a workspace in a pytester folder whose API's vendor sandbox is
the REST test vendor on a loopback port (tests/support/vendors/rest.py), and pytest in a subprocess with no
test file at all. The items and their ids; the conforming vendor passes and the unsafe operations are skipped
with the reason; the drifted vendor fails exactly the operations that drifted, each with a readable message and
a reproduction; JUnit carries the cases by id; a planted credential never shows; the budget holds for the run.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.vendors.rest import CONTRACT, DRIFTS, rest_vendor

IDS = [  # the engine's order (safe operations as it runs them), then the operations it does not send
    "library[GET /books]",
    "library[GET /books/{book_id}]",
    "library[GET /authors/{name}]",
    "library[GET /branches]",
    "library[POST /books]",
    "library[DELETE /books/{book_id}]",
    "library[POST /admin/reset]",
]
DRIFTED = {f"library[{operation}]" for _, operation in DRIFTS}
SECRET = "tok-planted-5e1f9a0c77"


def _workspace(root: Path, url: str, auth: str = "") -> None:
    (root / "sandbox").mkdir(exist_ok=True)
    (root / "library.yaml").write_text(CONTRACT.read_text())
    (root / "other.yaml").write_text(CONTRACT.read_text())
    (root / "sandbox" / "sandbox.toml").write_text(
        f'[apis.library]\ncontract = "library.yaml"\n[apis.library.vendor]\nsandbox_url = "{url}"\n{auth}\n'
        '[apis.other]\ncontract = "other.yaml"\n'
    )


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # a subprocess, as CI runs it (and schemathesis' state never leaks into this process's pytester runs)
    return pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-n", "0", *args)


def _cases(junit: Path) -> dict[str, str]:
    """Each JUnit test case's name → passed / failure / skipped."""
    outcome = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcome[str(case.get("name"))] = kinds[0] if kinds else "passed"
    return outcome


def test_items_are_collected_without_a_test_file_one_per_operation(pytester: pytest.Pytester) -> None:
    with rest_vendor() as (url, log):
        _workspace(pytester.path, url)
        listed = _run(pytester, "--ctk-verify", "--collect-only", "-q")
        plain = _run(pytester, "--collect-only", "-q")
    assert [line for line in listed.outlines if line.startswith("ctk-verify::")] == [f"ctk-verify::{i}" for i in IDS]
    assert "7 tests collected" in listed.stdout.str()
    assert "other[" not in listed.stdout.str()  # no vendor sandbox configured: not verified
    assert log.count == 0  # collecting sends nothing
    assert plain.ret == pytest.ExitCode.NO_TESTS_COLLECTED  # without --ctk-verify nothing changes
    assert "library[" not in plain.stdout.str()


def test_the_conforming_vendor_passes_and_unsafe_operations_are_skipped_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    with rest_vendor() as (url, log):
        _workspace(pytester.path, url)
        result = _run(pytester, "--ctk-verify", "--ctk-verify-examples", "3", "-rs")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=4, skipped=3)
    result.stdout.fnmatch_lines(["SKIPPED [[]3[]] library.yaml:1: unsafe: sent only with --unsafe"])
    assert log.methods() == {"GET"}  # safe by default
    result.stdout.fnmatch_lines([f"library: {log.count} requests sent to {url}, budget left {500 - log.count}/500"])
    evidence = json.loads((pytester.path / ".ctk" / "evidence" / "library.json").read_text())
    assert evidence["api"] == "library"  # saved where ctk verify saves it


def test_the_drifted_vendor_fails_the_drifted_operations_with_readable_messages(pytester: pytest.Pytester) -> None:
    junit = pytester.path / "junit.xml"
    with rest_vendor(drifted=True) as (url, _log):
        _workspace(pytester.path, url)
        result = _run(pytester, "--ctk-verify", "--ctk-verify-examples", "3", f"--junitxml={junit}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=3, skipped=3)
    out = result.stdout.str()
    failed = {line.split(" - ")[0] for line in result.outlines if line.startswith("FAILED ")}
    assert failed == {f"FAILED ctk-verify::{name}" for name in DRIFTED}
    result.stdout.fnmatch_lines(
        [
            "*_ library[[]GET /authors/{name}[]] _*",  # the item's name heads its failure
            f"the vendor at {url} does not conform (1 failure):",
            '  response_schema_conformance at /books: Response violates schema: "12" is not of type "integer"',
            f"    reproduce: curl -X GET {url}/authors/*",
        ]
    )
    result.stdout.fnmatch_lines(["  status_code_conformance: *203*"])
    assert "Traceback" not in out and "verify_items.py" not in out  # the failure, not the plugin's insides
    cases = _cases(junit)
    assert set(cases) == set(IDS)  # named as ctk verify --format junit names them
    assert {name for name, outcome in cases.items() if outcome == "failure"} == DRIFTED
    assert {name for name, outcome in cases.items() if outcome == "skipped"} == set(IDS[4:])
    # the deprecation the drifted vendor sends is evidence for ctk drift, not a failure
    evidence = json.loads((pytester.path / ".ctk" / "evidence" / "library.json").read_text())
    assert ("GET /books", "deprecation-header") in {(o["operation"], o["kind"]) for o in evidence["observations"]}


def test_a_planted_credential_is_sent_to_the_vendor_and_shown_nowhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIBRARY_TOKEN_FOR_TEST", SECRET)
    auth = '[apis.library.vendor.auth]\ntype = "bearer"\ntoken_env = "LIBRARY_TOKEN_FOR_TEST"'
    junit = pytester.path / "junit.xml"
    with rest_vendor(drifted=True) as (url, log):
        _workspace(pytester.path, url, auth)
        result = _run(pytester, "--ctk-verify", "--ctk-verify-examples", "3", "-rA", "-v", f"--junitxml={junit}")
    assert log.authorization == {f"Bearer {SECRET}"}  # the credential was really used
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    written = [result.stdout.str(), result.stderr.str(), junit.read_text()]
    written += [path.read_text() for path in (pytester.path / ".ctk").rglob("*") if path.is_file()]
    assert len(written) > 3  # the evidence file is among them
    for text in written:
        assert SECRET not in text


def test_a_missing_credential_variable_is_a_collection_error_naming_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIBRARY_TOKEN_FOR_TEST", raising=False)
    auth = '[apis.library.vendor.auth]\ntype = "bearer"\ntoken_env = "LIBRARY_TOKEN_FOR_TEST"'
    with rest_vendor() as (url, log):
        _workspace(pytester.path, url, auth)
        result = _run(pytester, "--ctk-verify")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ctk verify library: *LIBRARY_TOKEN_FOR_TEST*"])
    assert "Traceback" not in result.stdout.str()
    assert log.count == 0


def test_the_budget_holds_for_the_whole_run_and_the_rest_is_skipped_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    with rest_vendor() as (url, log):
        _workspace(pytester.path, url)
        result = _run(pytester, "--ctk-verify", "--ctk-verify-budget", "3", "--ctk-verify-examples", "5", "-rs")
    assert log.count <= 3  # one client for all the API's items: the budget is the run's, not each item's
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["SKIPPED * library.yaml:1: *request budget spent: 3 requests sent*"])


def test_one_api_by_name_and_bad_flags_are_usage_errors(pytester: pytest.Pytester) -> None:
    with rest_vendor() as (url, log):
        _workspace(pytester.path, url)
        named = _run(pytester, "--ctk-verify", "--ctk-verify-api", "library", "--collect-only", "-q")
        unknown = _run(pytester, "--ctk-verify", "--ctk-verify-api", "nope")
        zero = _run(pytester, "--ctk-verify", "--ctk-verify-budget", "0")
        xdist = pytester.runpytest_subprocess("--ctk-verify", "-n", "2")
    assert "7 tests collected" in named.stdout.str()
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR
    unknown.stderr.fnmatch_lines(["*--ctk-verify-api: no API named nope in *; the APIs are: library, other"])
    assert zero.ret == pytest.ExitCode.USAGE_ERROR
    zero.stderr.fnmatch_lines(["*--ctk-verify-budget*at least 1*"])
    assert xdist.ret == pytest.ExitCode.USAGE_ERROR
    xdist.stderr.fnmatch_lines(["*--ctk-verify runs in one process*-n 0*"])
    assert log.count == 0


def test_a_graphql_vendor_fails_its_drifted_queries_and_is_sent_no_mutation(pytester: pytest.Pytester) -> None:
    from tests.support.vendors.graphql import CONTRACT as SCHEMA
    from tests.support.vendors.graphql import graphql_vendor

    (pytester.path / "sandbox").mkdir()
    (pytester.path / "library.graphql").write_text(SCHEMA.read_text())
    with graphql_vendor(drifted=True) as (url, log):
        (pytester.path / "sandbox" / "sandbox.toml").write_text(
            f'[apis.books]\ncontract = "library.graphql"\n[apis.books.vendor]\ngraphql_endpoint = "{url}"\n'
        )
        result = _run(pytester, "--ctk-verify", "--ctk-verify-examples", "3", "-rfs")
    failed = {line.split(" - ")[0] for line in result.outlines if line.startswith("FAILED ")}
    assert failed == {
        f"FAILED ctk-verify::books[Query.{query}]" for query in ("author", "book", "search", "shelves")
    }  # a removed field, a changed type, a new required argument, an undocumented status code
    result.stdout.fnmatch_lines(["  response_schema_conformance at /data/book/pages*"])
    result.stdout.fnmatch_lines(["SKIPPED [[]3[]] library.graphql:1: unsafe: sent only with --unsafe"])
    assert log.mutations == 0


def test_a_vendor_that_never_answers_fails_once_then_the_breaker_skips_the_rest(pytester: pytest.Pytester) -> None:
    from toolkit.mock.loopback import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    _workspace(pytester.path, url)
    result = _run(pytester, "--ctk-verify", "--ctk-verify-examples", "3", "-rfs")
    result.assert_outcomes(failed=1, skipped=6)
    result.stdout.fnmatch_lines(
        [
            f"the vendor at {url} did not answer (1 failure):",
            "  transport: no answer: ConnectError*",
            f"library: 5 requests sent to {url}, budget left 495/500; stopped: circuit breaker open*",
            "SKIPPED * library.yaml:1: *circuit breaker open: the vendor gave no answer to 5 requests in a row*",
        ],
        consecutive=False,
    )
    assert "Traceback" not in result.stdout.str()
