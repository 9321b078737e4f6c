"""Python hooks: ``mocks/<api>/hooks.py`` (``toolkit.sandbox.hooks`` for the API, ``toolkit.sandbox.overlays.hooks``
for loading and running them), for the three protocols, in-process.

A hook's answer is sent only when it fits the contract (else the answer it received goes out, with a
``ctk-warning``); a hook that raises is a 500 in the protocol's error form and one log line with its file and
line; a hooks.py that cannot be imported, or a hook of an operation the contract lacks, is a ``ConfigError``
naming the file and line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.files import write_file
from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.mock import MockEnvelope
from toolkit.sandbox.hooks import UNSET, Answer, HookRequest, hook
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.overlays import overlays_layer
from toolkit.sandbox.state import state_layer
from toolkit.sandbox.stores import open_store
from toolkit.soap.mock.envelope import SOAP11_ENV, detached, read_envelope

KEY = ("x-api-key", "sk_test_1")
TYPES = "urn:example:crm:types"
ACCOUNT = "001A00000000000001"
HEADER = "from toolkit.sandbox.hooks import Answer, hook\n\n"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def logged() -> Iterator[list[str]]:
    """The lines the ``ctk.hooks`` logger writes during the test."""
    handler = _Lines()
    logger = logging.getLogger("ctk.hooks")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def _sandbox(envelope: MockEnvelope, folder: Path, code: str, *inner: Any) -> SandboxedMock:
    write_file(folder, "hooks.py", HEADER + code)
    return SandboxedMock(envelope, [overlays_layer(envelope, folder, api="api"), *inner])


def _rest(sandbox: SandboxedMock, method: str, path: str, query: str = "", body: Any = None) -> MockResult:
    extra = (("content-type", "application/json"),) if body is not None else ()
    raw = json.dumps(body).encode() if body is not None else b""
    return sandbox(Request(method, path, query, (KEY, ("x-ctk-session", "s1"), *extra), raw))


def _json(result: MockResult) -> Any:
    return json.loads(result.response.body)


def test_the_decorator_marks_a_function_and_the_answer_replaces_fields() -> None:
    @hook("GET /customers/{customer_id}")
    @hook("*")
    def both(request: HookRequest, answer: Answer) -> None:
        return None

    assert both.__ctk_hooks__ == ("*", "GET /customers/{customer_id}")  # type: ignore[attr-defined]
    answer = Answer(status=200, json={"a": 1})
    assert answer.replace(json={"a": 2}) == Answer(status=200, json={"a": 2})
    assert Answer().json is UNSET and not UNSET
    with pytest.raises(TypeError):
        hook("")


# -- REST ----------------------------------------------------------------------------------------------


def test_rest_hooks_change_the_body_and_headers_in_file_order(payments: MockEnvelope, tmp_path: Path) -> None:
    code = """
seen = []

@hook("GET /customers/{customer_id}")
def vip(request, answer):
    seen.append((request.operation, dict(request.params), dict(request.query), request.session))
    if request.params["customer_id"] != "cus_vip":
        return None
    return answer.replace(json={**answer.json, "name": "VIP"}, headers={**answer.headers, "x-tier": "gold"})

@hook("*")
def stamp(request, answer):
    if request.params.get("customer_id") == "cus_vip":
        return answer.replace(json={**answer.json, "email": answer.json["name"].lower() + "@example.com"})
"""
    sandbox = _sandbox(payments, tmp_path, code)
    plain = _rest(sandbox, "GET", "/v1/customers/cus_1", "expand=x")
    vip = _rest(sandbox, "GET", "/v1/customers/cus_vip")
    assert vip.response.status == 200
    assert _json(vip)["name"] == "VIP" and _json(vip)["email"] == "vip@example.com"  # the second saw the first's
    assert vip.response.header("x-tier") == "gold" and vip.response.header("content-type") == "application/json"
    assert _json(plain)["name"] != "VIP" and plain.response.header("x-tier") is None
    assert _json(plain) == _json(_rest(SandboxedMock(payments, []), "GET", "/v1/customers/cus_1", "expand=x"))
    import sys

    module = next(m for name, m in sys.modules.items() if name.startswith("ctk_hooks_") and hasattr(m, "seen"))
    assert module.seen[0] == ("GET /customers/{customer_id}", {"customer_id": "cus_1"}, {"expand": "x"}, "s1")


def test_a_status_alone_takes_the_contracts_answer_for_it(payments: MockEnvelope, tmp_path: Path) -> None:
    code = """
@hook("GET /customers/{customer_id}")
def gone(request, answer):
    if request.params["customer_id"].startswith("cus_gone"):
        return answer.replace(status=404)
"""
    sandbox = _sandbox(payments, tmp_path, code)
    gone = _rest(sandbox, "GET", "/v1/customers/cus_gone")
    assert gone.response.status == 404
    assert gone.response.header("content-type") == "application/problem+json"
    assert _json(gone)["status"] == 404 and gone.response.header("ctk-warning") is None
    assert gone.response.header("preference-applied") is None


def test_an_answer_that_does_not_fit_is_not_sent(payments: MockEnvelope, tmp_path: Path, logged: list[str]) -> None:
    code = """
@hook("GET /customers/{customer_id}")
def wrong(request, answer):
    kind = request.params["customer_id"]
    if kind == "cus_type":
        return answer.replace(json={**answer.json, "created": "yesterday"})
    if kind == "cus_status":
        return Answer(status=418)
    if kind == "cus_what":
        return {"status": 200}
    if kind == "cus_ctype":
        return answer.replace(headers={**answer.headers, "content-type": "text/plain"})
"""
    sandbox = _sandbox(payments, tmp_path, code)
    expected = {
        "cus_type": "json does not fit GET /customers/{customer_id} 200 (application/json): at /created",
        "cus_status": "GET /customers/{customer_id} does not declare a 418 answer",
        "cus_what": "returned dict, not an Answer or None",
        "cus_ctype": "header content-type is ctk's to set",
    }
    for customer, why in expected.items():
        result = _rest(sandbox, "GET", f"/v1/customers/{customer}")
        assert result.response.status == 200 and _json(result)["id"] == customer  # the answer the hook received
        warning = result.response.header("ctk-warning")
        assert warning is not None and why in warning, warning
        assert warning.startswith(f"hook wrong ({tmp_path / 'hooks.py'}:4)") and "its answer was not sent" in warning
        assert any(why in line for line in logged)


def test_a_hook_that_raises_is_a_500_problem_and_one_log_line(
    payments: MockEnvelope, tmp_path: Path, logged: list[str]
) -> None:
    code = """
def helper(value):
    return 1 / value

@hook("GET /customers/{customer_id}")
def broken(request, answer):
    if request.params["customer_id"] == "cus_zero":
        return helper(0)
"""
    sandbox = _sandbox(payments, tmp_path, code)
    failed = _rest(sandbox, "GET", "/v1/customers/cus_zero")
    assert failed.response.status == 500
    assert failed.response.header("content-type") == "application/problem+json"
    place = f"{tmp_path / 'hooks.py'}:5"  # the line that raised: inside helper
    assert "broken raised ZeroDivisionError: division by zero" in _json(failed)["detail"]
    assert place in _json(failed)["detail"]
    assert logged == [
        f"hook broken (GET /customers/{{customer_id}}) raised at {place}: ZeroDivisionError: division by zero"
    ]
    assert _rest(sandbox, "GET", "/v1/customers/cus_1").response.status == 200  # the server goes on


def test_hooks_see_what_state_answered(payments: MockEnvelope, tmp_path: Path) -> None:
    code = """
@hook("GET /customers/{customer_id}")
def shout(request, answer):
    if answer.status == 200:
        return answer.replace(json={**answer.json, "name": answer.json["name"].upper()})
"""
    sandbox = _sandbox(payments, tmp_path, code, state_layer(payments, open_store("memory"), api="payments"))
    created = _json(_rest(sandbox, "POST", "/v1/customers", body={"name": "Ada Lovelace", "email": "ada@example.com"}))
    read = _rest(sandbox, "GET", f"/v1/customers/{created['id']}")
    assert _json(read)["name"] == "ADA LOVELACE" and _json(read)["email"] == "ada@example.com"


# -- loading -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "line", "message"),
    [
        ("x = 1\ndef broken(:\n    pass\n", 4, "hooks.py is not valid Python"),
        ("import not_a_module_ctk\n", 3, "ModuleNotFoundError: No module named 'not_a_module_ctk'"),
        ("\n\nvalue = undefined_name + 1\n", 5, "NameError: name 'undefined_name' is not defined"),
        ('@hook("GET /customer/{customer_id}")\ndef h(request, answer):\n    pass\n', 3, "no such operation"),
        ('@hook("GET /customers/{customer_id}")\ndef h(request):\n    pass\n', 3, "must take two arguments"),
    ],
)
def test_a_hooks_file_that_cannot_load_names_the_file_and_line(
    payments: MockEnvelope, tmp_path: Path, code: str, line: int, message: str
) -> None:
    write_file(tmp_path, "hooks.py", HEADER + code)
    with pytest.raises(ConfigError) as caught:
        overlays_layer(payments, tmp_path, api="payments")
    assert caught.value.where == f"{tmp_path / 'hooks.py'}:{line}"
    assert message in caught.value.message
    if "no such operation" in message:
        assert caught.value.hint == "did you mean 'GET /customers/{customer_id}'?"


# -- SOAP ----------------------------------------------------------------------------------------------


def _soap(sandbox: SandboxedMock, account: str) -> tuple[MockResult, Any]:
    text = (f'<e:Envelope xmlns:e="{SOAP11_ENV}" xmlns:c="{TYPES}"><e:Body><c:GetAccountRequest>'
            f"<c:id>{account}</c:id></c:GetAccountRequest></e:Body></e:Envelope>")  # fmt: skip
    headers = (("content-type", "text/xml; charset=utf-8"), ("soapaction", '"urn:example:crm/GetAccount"'))
    result = sandbox(Request("POST", "/crm", "", headers, text.encode()))
    return result, read_envelope(result.response.body).first


def test_soap_hooks_set_values_replace_xml_or_answer_a_fault(
    crm: MockEnvelope, tmp_path: Path, logged: list[str]
) -> None:
    code = f"""
@hook("GetAccount")
def accounts(request, answer):
    account = request.values["id"]
    if account.endswith("1"):
        return answer.replace(values={{"account/name": "Hooked", "@status": "Active"}})
    if account.endswith("2"):
        return Answer(fault="CrmFault")
    if account.endswith("3"):
        return answer.replace(xml=answer.xml.replace("<crm:name>", "<crm:name>X"))
    if account.endswith("4"):
        return answer.replace(values={{"@status": "Sleeping"}})
    if account.endswith("5"):
        return Answer(xml="<x:Other xmlns:x='{TYPES}'/>")
    if account.endswith("6"):
        raise RuntimeError("no account")
"""
    sandbox = _sandbox(crm, tmp_path, code)
    validator = crm.mock.validator  # type: ignore[attr-defined]
    _, set_values = _soap(sandbox, "001A00000000000001")
    assert set_values.findtext(f"{{{TYPES}}}account/{{{TYPES}}}name") == "Hooked"
    assert set_values.find(f"{{{TYPES}}}account").get("status") == "Active"
    assert validator.validate(detached(set_values)) == []
    fault, element = _soap(sandbox, "001A00000000000002")
    assert fault.response.status == 500 and element.find(f"detail/{{{TYPES}}}CrmFault") is not None
    _, renamed = _soap(sandbox, "001A00000000000003")
    assert renamed.findtext(f"{{{TYPES}}}account/{{{TYPES}}}name").startswith("X")
    for account, why in (("001A00000000000004", "Sleeping"), ("001A00000000000005", "must be a <")):
        kept, first = _soap(sandbox, account)
        assert kept.response.status == 200 and validator.validate(detached(first)) == []
        assert why in (kept.response.header("ctk-warning") or ""), kept.response.headers
    failed, failure = _soap(sandbox, "001A00000000000006")
    assert failed.response.status == 500 and failure.findtext("faultcode") == "soap:Server"
    assert "accounts raised RuntimeError: no account" in (failure.findtext("faultstring") or "")
    assert any(f"{tmp_path / 'hooks.py'}:18" in line for line in logged)


# -- GraphQL -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inventory() -> MockEnvelope:
    return compile_mock(load_contract(REPO / "contracts" / "inventory" / "v1"), seed=1, mount="/graphql")


def _graphql(sandbox: SandboxedMock, query: str, *headers: tuple[str, str]) -> MockResult:
    body = json.dumps({"query": query}).encode()
    return sandbox(Request("POST", "/graphql", "", (("content-type", "application/json"), *headers), body))


def test_graphql_hooks_change_a_fields_value_by_response_key_or_answer_an_error(
    inventory: MockEnvelope, tmp_path: Path
) -> None:
    code = """
@hook("Query.product")
def product(request, answer):
    if request.args["id"] == "loud":
        return answer.replace(json={**answer.json, "title": answer.json["title"].upper()})
    if request.args["id"] == "gone":
        return Answer(error="archived", code="NOT_FOUND")
    if request.args["id"] == "bad":
        return answer.replace(json={**answer.json, "title": 5})
    if request.args["id"] == "boom":
        raise KeyError(request.key)
"""
    sandbox = _sandbox(inventory, tmp_path, code)
    plain = json.loads(_graphql(inventory, '{ product(id: "loud") { title: name } }').response.body)
    answered = _graphql(sandbox, '{ product(id: "loud") { title: name } }', ("prefer", "example=none"))
    assert answered.response.header("preference-applied") is None  # no example was applied, a hook was
    loud = json.loads(answered.response.body)
    assert loud == {"data": {"product": {"title": plain["data"]["product"]["title"].upper()}}}
    gone = json.loads(_graphql(sandbox, '{ product(id: "gone") { id } }').response.body)
    assert gone["data"] == {"product": None}
    assert gone["errors"][0]["message"] == "archived" and gone["errors"][0]["path"] == ["product"]
    bad = _graphql(sandbox, '{ product(id: "bad") { title: name } }')
    assert json.loads(bad.response.body)["data"]["product"]["title"] != 5
    assert "at /title: a number 5 is not a String" in (bad.response.header("ctk-warning") or "")
    boom = _graphql(sandbox, '{ p: product(id: "boom") { id } }')
    assert boom.response.status == 500
    assert json.loads(boom.response.body)["errors"][0]["message"].startswith(
        "the sandbox's hook product raised KeyError: 'p'"
    )


def test_a_hook_sees_a_hostile_body_as_no_json_not_a_crash(payments: MockEnvelope, tmp_path: Path) -> None:
    """Hooks also see requests the mock refused: 100 000 nested arrays reach them as ``json=None`` (read within
    the mock's nesting limit), and the mock's own 400 goes out."""
    code = """
seen = []

@hook("POST /customers")
def look(request, answer):
    seen.append((request.json, answer.status))
"""
    sandbox = _sandbox(payments, tmp_path, code)
    deep = b"[" * 100_000 + b"]" * 100_000
    headers = (KEY, ("x-ctk-session", "s1"), ("content-type", "application/json"))
    result = sandbox(Request("POST", "/v1/customers", "", headers, deep))
    assert result.response.status == 400
    import sys

    module = next(m for name, m in sys.modules.items() if name.startswith("ctk_hooks_") and hasattr(m, "seen")
                  and m.seen and m.seen[0][1] == 400)  # fmt: skip
    assert module.seen == [(None, 400)]
