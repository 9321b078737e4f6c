"""REST overlays (``toolkit.sandbox.overlays.rest``): fixed answers from ``mocks/<api>/overlays.toml``.

The payments example contract (``contracts/payments/v1``, mounted at ``/v1``, an API key required). SOAP and
GraphQL overlays: ``test_overlays_soap.py``, ``test_overlays_graphql.py``; examples and hooks: their own modules;
over a real ``ctk serve``: ``test_overlays_served.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.files import write_file
from tests.support.paths import REPO
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.mock import MockEnvelope, MockTransport
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.overlays import OverlaysLayer, overlays_layer

PAYMENTS = REPO / "contracts" / "payments" / "v1"
KEY = ("x-api-key", "sk_test_1")
VIP = (
    '{ id = "cus_42", object = "customer", email = "vip@example.com", name = "VIP", phone = "+14155550123", '
    'address = { city = "Paris" }, created = 1718000000, livemode = false, metadata = {} }'
)
VIP_JSON = {
    "id": "cus_42", "object": "customer", "email": "vip@example.com", "name": "VIP", "phone": "+14155550123",
    "address": {"city": "Paris"}, "created": 1718000000, "livemode": False, "metadata": {},
}  # fmt: skip


def _layer(payments: MockEnvelope, folder: Path, text: str) -> OverlaysLayer:
    write_file(folder, "overlays.toml", text)
    return overlays_layer(payments, folder, api="payments")


def _ask(sandbox: SandboxedMock, method: str, path: str, query: str = "", headers: tuple[tuple[str, str], ...] = (),
         body: Any = None) -> MockResult:  # fmt: skip
    raw = json.dumps(body).encode() if body is not None else b""
    extra = (("content-type", "application/json"),) if body is not None else ()
    return sandbox(Request(method, path, query, (KEY, *extra, *headers), raw))


def _json(result: MockResult) -> Any:
    return json.loads(result.response.body)


def _refused(payments: MockEnvelope, folder: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        _layer(payments, folder, text)
    return caught.value


# -- answers -----------------------------------------------------------------------------------------


def test_an_overlay_answers_its_json_and_a_other_path_gets_the_mock(payments: MockEnvelope, tmp_path: Path) -> None:
    layer = _layer(
        payments,
        tmp_path,
        f'[[overlay]]\noperation = "GET /customers/{{customer_id}}"\npath = "/customers/cus_42"\n'
        f"status = 200\njson = {VIP}\n",
    )
    sandbox = SandboxedMock(payments, [layer])
    fixed = _ask(sandbox, "GET", "/v1/customers/cus_42")
    assert fixed.response.status == 200
    assert fixed.response.header("content-type") == "application/json"
    assert fixed.response.header("preference-applied") is None  # the code=200 the layer asked for is not shown
    assert _json(fixed) == VIP_JSON
    assert fixed.operations == ("GET /customers/{customer_id}",)
    other = _ask(sandbox, "GET", "/v1/customers/cus_7")
    assert other.response.status == 200
    assert _json(other)["email"] != "vip@example.com"
    assert other.operations == ("GET /customers/{customer_id}",)
    # the mock's own checks still hold: no API key, its 401
    assert sandbox(Request("GET", "/v1/customers/cus_42")).response.status == 401


def test_method_and_path_name_the_operation_and_404_is_a_declared_status(
    payments: MockEnvelope, tmp_path: Path
) -> None:
    problem = '{ type = "about:blank", title = "Not Found", status = 404, detail = "gone", code = "resource_missing" }'
    layer = _layer(
        payments,
        tmp_path,
        f'[[overlay]]\nmethod = "get"\npath = "/customers/cus_gone"\nstatus = 404\njson = {problem}\n',
    )
    assert layer.overlays[0].operation == "GET /customers/{customer_id}"
    result = _ask(SandboxedMock(payments, [layer]), "GET", "/v1/customers/cus_gone")
    assert result.response.status == 404
    assert _json(result)["detail"] == "gone"
    assert result.response.header("content-type") == "application/problem+json"


def test_query_header_and_body_conditions(payments: MockEnvelope, tmp_path: Path) -> None:
    customer_list = '{ object = "list", data = [], has_more = false, url = "/v1/customers" }'
    layer = _layer(
        payments,
        tmp_path,
        f'[[overlay]]\noperation = "GET /customers"\nquery = {{ email = "a@b.c" }}\n'
        f'headers = {{ "X-Tenant" = "acme" }}\nstatus = 200\njson = {customer_list}\n'
        f'[[overlay]]\noperation = "POST /customers/{{customer_id}}"\nbody = {{ name = "VIP" }}\n'
        f"status = 200\njson = {VIP}\n",
    )
    sandbox = SandboxedMock(payments, [layer])
    both = _ask(sandbox, "GET", "/v1/customers", "email=a%40b.c&limit=3", (("x-tenant", "acme"),))
    assert _json(both)["data"] == []
    assert both.operations == ("GET /customers",)
    for query, headers in (("email=x%40b.c", (("x-tenant", "acme"),)), ("email=a%40b.c", ()), ("", ())):
        assert _json(_ask(sandbox, "GET", "/v1/customers", query, headers)) != _json(both)
    assert _json(_ask(sandbox, "POST", "/v1/customers/cus_1", body={"name": "VIP"})) == VIP_JSON
    assert _json(_ask(sandbox, "POST", "/v1/customers/cus_1", body={"name": "Other"})) != VIP_JSON


def test_the_first_matching_overlay_wins(payments: MockEnvelope, tmp_path: Path) -> None:
    second = VIP.replace("vip@example.com", "second@example.com")
    layer = _layer(
        payments,
        tmp_path,
        f'[[overlay]]\noperation = "GET /customers/{{customer_id}}"\nstatus = 200\njson = {VIP}\n'
        f'[[overlay]]\noperation = "GET /customers/{{customer_id}}"\nstatus = 200\njson = {second}\n',
    )
    assert _json(_ask(SandboxedMock(payments, [layer]), "GET", "/v1/customers/cus_any"))["email"] == "vip@example.com"


def test_a_folder_without_overlays_toml_changes_nothing(payments: MockEnvelope, tmp_path: Path) -> None:
    write_file(tmp_path, "notes.txt", "not an overlay")
    layer = overlays_layer(payments, tmp_path, api="payments")
    assert layer.overlays == ()
    result = _ask(SandboxedMock(payments, [layer]), "GET", "/v1/customers/cus_42")
    assert result.response.status == 200


def test_body_conditions_reach_into_nested_objects(payments: MockEnvelope, tmp_path: Path) -> None:
    layer = _layer(
        payments,
        tmp_path,
        f'[[overlay]]\noperation = "POST /customers/{{customer_id}}"\nbody = {{ address = {{ city = "Paris" }} }}\n'
        f"json = {VIP}\n"
        f'[[overlay]]\noperation = "POST /customers/{{customer_id}}"\nbody = {{ metadata.tier = "gold" }}\n'
        f"json = {VIP.replace('VIP', 'Gold')}\n",
    )
    sandbox = SandboxedMock(payments, [layer])
    paris = {"name": "A", "address": {"city": "Paris", "line1": "1 rue"}}  # other members do not matter
    assert _json(_ask(sandbox, "POST", "/v1/customers/cus_1", body=paris)) == VIP_JSON
    gold = _json(_ask(sandbox, "POST", "/v1/customers/cus_1", body={"metadata": {"tier": "gold", "x": "1"}}))
    assert gold["name"] == "Gold"  # TOML's dotted key metadata.tier is the nested table {metadata = {tier}}
    for other in ({"address": {"city": "Lyon"}}, {"address": "Paris"}, {"name": "Paris"}, {"metadata": {}}):
        assert _json(_ask(sandbox, "POST", "/v1/customers/cus_1", body=other)).get("name") not in ("VIP", "Gold")


def test_json_file_answers_a_body_toml_cannot_write_and_the_status_defaults_to_the_lowest_2xx(
    payments: MockEnvelope, tmp_path: Path
) -> None:
    with_null = {**VIP_JSON, "name": None}
    write_file(tmp_path, "bodies/vip.json", json.dumps(with_null, indent=1))
    layer = _layer(
        payments,
        tmp_path,
        '[[overlay]]\noperation = "GET /customers/{customer_id}"\njson_file = "bodies/vip.json"\n',
    )
    assert layer.overlays[0].status == 200  # type: ignore[attr-defined]
    fixed = _ask(SandboxedMock(payments, [layer]), "GET", "/v1/customers/cus_1")
    assert fixed.response.status == 200
    assert _json(fixed) == with_null and _json(fixed)["name"] is None


# -- refusals at load --------------------------------------------------------------------------------


def test_json_violating_the_schema_is_refused_with_file_and_line(payments: MockEnvelope, tmp_path: Path) -> None:
    wrong = VIP.replace('id = "cus_42"', "id = 5")
    text = (
        f'# fixed answers\n[[overlay]]\noperation = "GET /customers/{{customer_id}}"\nstatus = 200\njson = {VIP}\n\n'
        f'[[overlay]]\noperation = "GET /customers/{{customer_id}}"\nstatus = 200\njson = {wrong}\n'
    )
    error = _refused(payments, tmp_path, text)
    assert error.where == f"{tmp_path / 'overlays.toml'}:7"
    assert "/id" in error.message and "GET /customers/{customer_id} 200" in error.message


def test_unknown_operation_undeclared_status_and_unknown_keys_are_refused(
    payments: MockEnvelope, tmp_path: Path
) -> None:
    unknown = _refused(
        payments, tmp_path, f'[[overlay]]\noperation = "GET /customer/{{customer_id}}"\nstatus = 200\njson = {VIP}\n'
    )
    assert "no operation 'GET /customer/{customer_id}'" in unknown.message
    assert unknown.hint == "did you mean 'GET /customers/{customer_id}'?"
    assert unknown.where == f"{tmp_path / 'overlays.toml'}:1"
    undeclared = _refused(
        payments, tmp_path, f'[[overlay]]\noperation = "GET /customers/{{customer_id}}"\nstatus = 500\njson = {VIP}\n'
    )
    assert "does not declare a 500 answer" in undeclared.message
    key = _refused(
        payments, tmp_path, f'[[overlay]]\noperation = "GET /customers/{{customer_id}}"\nstatuss = 200\njson = {VIP}\n'
    )
    assert key.hint == "did you mean 'status'?"
    wrong_path = _refused(
        payments,
        tmp_path,
        f'[[overlay]]\noperation = "GET /customers/{{customer_id}}"\npath = "/refunds/re_1"\n'
        f"status = 200\njson = {VIP}\n",
    )
    assert "does not lead to" in wrong_path.message
    top = _refused(payments, tmp_path, "[[overlays]]\n")
    assert top.hint == "did you mean 'overlay'?"


def test_a_json_file_is_checked_where_its_value_is_written(payments: MockEnvelope, tmp_path: Path) -> None:
    wrong = json.dumps({**VIP_JSON, "created": "yesterday"}, indent=1)
    path = write_file(tmp_path, "bodies/bad.json", wrong)
    error = _refused(
        payments, tmp_path, '[[overlay]]\noperation = "GET /customers/{customer_id}"\njson_file = "bodies/bad.json"\n'
    )
    line = next(n for n, text in enumerate(wrong.splitlines(), start=1) if '"created"' in text)
    assert error.where == f"{path}:{line}"
    assert "/created" in error.message
    write_file(tmp_path, "bodies/broken.json", '{"id": "cus_1",\n "object": }')
    broken = _refused(
        payments,
        tmp_path,
        '[[overlay]]\noperation = "GET /customers/{customer_id}"\njson_file = "bodies/broken.json"\n',
    )
    assert broken.where == f"{tmp_path / 'bodies' / 'broken.json'}:2" and "not valid JSON" in broken.message
    outside = _refused(
        payments, tmp_path, '[[overlay]]\noperation = "GET /customers/{customer_id}"\njson_file = "../x.json"\n'
    )
    assert "must name a file inside" in outside.message
    both = _refused(
        payments,
        tmp_path,
        f'[[overlay]]\noperation = "GET /customers/{{customer_id}}"\njson = {VIP}\njson_file = "bodies/bad.json"\n',
    )
    assert both.message == "give json or json_file, not both"


def test_an_overlay_may_answer_a_named_example(payments: MockEnvelope, tmp_path: Path) -> None:
    example = {"operation": "GET /customers/{customer_id}", "json": VIP_JSON}
    write_file(tmp_path, "examples/vip.json", json.dumps(example))
    layer = _layer(
        payments,
        tmp_path,
        '[[overlay]]\noperation = "GET /customers/{customer_id}"\npath = "/customers/cus_42"\nexample = "vip"\n',
    )
    sandbox = SandboxedMock(payments, [layer])
    assert _json(_ask(sandbox, "GET", "/v1/customers/cus_42")) == VIP_JSON
    assert _json(_ask(sandbox, "GET", "/v1/customers/cus_43"))["email"] != "vip@example.com"
    missing = _refused(
        payments, tmp_path, '[[overlay]]\noperation = "GET /customers/{customer_id}"\nexample = "gold"\n'
    )
    assert "no example 'gold' of GET /customers/{customer_id}" in missing.message
    assert missing.hint == "its examples: vip"


# -- served ------------------------------------------------------------------------------------------


def test_through_build_handler(tmp_path: Path) -> None:
    from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler

    folder = tmp_path / "mocks" / "payments"
    write_file(
        folder,
        "overlays.toml",
        f'[[overlay]]\nmethod = "GET"\npath = "/customers/cus_42"\nstatus = 200\njson = {VIP}\n',
    )
    item = MountedContract(str(PAYMENTS), mount="/v1", name="payments", overlays=str(folder))
    handler = build_handler(ServeConfig([item]))
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as client:
        fixed = client.get("/v1/customers/cus_42", headers={"X-Api-Key": "sk_test_1"})
        other = client.get("/v1/customers/cus_43", headers={"X-Api-Key": "sk_test_1"})
    assert fixed.status_code == 200 and fixed.json() == VIP_JSON
    assert other.status_code == 200 and other.json()["email"] != "vip@example.com"
