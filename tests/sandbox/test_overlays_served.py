"""``mocks/<api>/`` served by the real CLI over real HTTP: overlays, named examples and hooks for payments (REST),
crm (SOAP) and inventory (GraphQL) in one workspace, one ``ctk serve --root`` process; and ``ctk serve --check``
refusing each kind of bad file with one line naming the file and line, exit 2, no traceback.

Time is never asserted: every request carries the harness's client timeout as a hang guard.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from tests.support.cli import assert_refused_output, ctk
from tests.support.files import write_file, write_workspace
from tests.support.paths import REPO
from tests.support.served import Served, assert_no_traceback, served

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "urn:example:crm:types"
API_KEY = {"x-api-key": "sk_test_served"}
ACME = "001A00000000000001"
VIP = {
    "id": "cus_vip", "object": "customer", "email": "vip@example.com", "name": None, "phone": "+14155550123",
    "address": {"city": "Paris"}, "created": 1718000000, "livemode": False, "metadata": {},
}  # fmt: skip
HOOKS = """from toolkit.sandbox.hooks import Answer, hook


@hook("GET /customers/{customer_id}")
def tier(request, answer):
    if request.params["customer_id"] == "cus_gold":
        return answer.replace(json={**answer.json, "name": "Gold"}, headers={**answer.headers, "x-tier": "gold"})
    if request.params["customer_id"] == "cus_crash":
        raise LookupError("no tier for " + request.params["customer_id"])
"""


def _workspace(root: Path) -> Path:
    contracts = REPO / "contracts"
    write_workspace(
        root,
        f"""
[sandbox]
seed = 1

[apis.payments]
contract = "{contracts / "payments" / "v1"}"
mount = "/payments"

[apis.crm]
contract = "{contracts / "crm" / "v1" / "crm.wsdl"}"
mount = "/crm"

[apis.inventory]
contract = "{contracts / "inventory" / "v1"}"
mount = "/inventory"
""",
    )
    mocks = root / "mocks"
    write_file(mocks / "payments", "overlays.toml", '[[overlay]]\nmethod = "GET"\npath = "/customers/cus_vip"\n'
               'json_file = "bodies/vip.json"\n')  # fmt: skip
    write_file(mocks / "payments", "bodies/vip.json", json.dumps(VIP))
    example = {"operation": "GET /customers/{customer_id}", "json": {**VIP, "id": "cus_example"}}
    write_file(mocks / "payments", "examples/customers/example.json", json.dumps(example))
    write_file(mocks / "payments", "hooks.py", HOOKS)
    write_file(mocks / "crm", "overlays.toml", f'[[overlay]]\noperation = "GetAccount"\nbody = {{ id = "{ACME}" }}\n'
               'answer = { name = "Acme Served" }\n')  # fmt: skip
    write_file(mocks / "crm", "hooks.py", 'from toolkit.sandbox.hooks import Answer, hook\n\n\n@hook("CreateAccount")\n'
               'def refuse(request, answer):\n    return Answer(fault="CrmFault")\n')  # fmt: skip
    write_file(mocks / "inventory", "overlays.toml", '[[overlay]]\noperation = "Query.product"\nargs = { id = "p1" }\n'
               'json = { name = "Served Widget" }\n')  # fmt: skip
    write_file(mocks / "inventory", "examples/gone.json", json.dumps({"operation": "Query.product", "error": "gone"}))
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = _workspace(tmp_path_factory.mktemp("workspace"))
    with served("--root", str(root)) as running:
        yield running


def test_rest_overlay_example_and_hook_over_http(server: Served) -> None:
    with server.client(headers=API_KEY) as client:
        fixed = client.get("/payments/customers/cus_vip")
        assert fixed.status_code == 200 and fixed.json() == VIP
        example = client.get("/payments/customers/cus_1", headers={"prefer": "example=example"})
        assert example.json()["id"] == "cus_example" and example.headers["preference-applied"] == "example=example"
        gold = client.get("/payments/customers/cus_gold")
        assert gold.json()["name"] == "Gold" and gold.headers["x-tier"] == "gold"
        crash = client.get("/payments/customers/cus_crash")
        assert crash.status_code == 500 and crash.headers["content-type"] == "application/problem+json"
        assert "tier raised LookupError" in crash.json()["detail"]
        assert client.get("/payments/customers/cus_2").status_code == 200
    assert "hooks.py:9: LookupError: no tier for cus_crash" in server.log()
    assert_no_traceback(server)


def _soap(client: httpx.Client, op: str, body: str) -> httpx.Response:
    text = (f'<e:Envelope xmlns:e="{SOAP11_ENV}" xmlns:c="{TYPES}"><e:Body>'
            f"<c:{op}Request>{body}</c:{op}Request></e:Body></e:Envelope>")  # fmt: skip
    headers = {"content-type": "text/xml; charset=utf-8", "soapaction": f'"urn:example:crm/{op}"'}
    return client.post("/crm", content=text.encode(), headers=headers)


def test_soap_overlay_and_hook_over_http(server: Served) -> None:
    with server.client() as client:
        fixed = _soap(client, "GetAccount", f"<c:id>{ACME}</c:id>")
        assert fixed.status_code == 200
        name = etree.fromstring(fixed.content).find(f".//{{{TYPES}}}account/{{{TYPES}}}name")
        assert name is not None and name.text == "Acme Served"
        refused = _soap(client, "CreateAccount", "<c:account><c:name>New</c:name></c:account>")
        assert refused.status_code == 500 and "CrmFault" in refused.text
    assert_no_traceback(server)


def test_graphql_overlay_and_example_over_http(server: Served) -> None:
    with server.client() as client:
        fixed = client.post("/inventory", json={"query": '{ product(id: "p1") { id name } }'})
        assert fixed.json() == {"data": {"product": {"id": "p1", "name": "Served Widget"}}}
        gone = client.post(
            "/inventory", json={"query": '{ product(id: "p2") { id } }'}, headers={"prefer": "example=gone"}
        )
        assert gone.json()["data"] == {"product": None} and gone.json()["errors"][0]["message"] == "gone"
    assert_no_traceback(server)


# -- ctk serve --check refuses bad files -----------------------------------------------------------------


def _bad_workspace(root: Path, api: str, name: str, text: str) -> Path:
    _workspace(root)
    return write_file(root / "mocks" / api, name, text)


@pytest.mark.parametrize(
    ("api", "name", "text", "line", "words"),
    [
        ("payments", "overlays.toml", '\n[[overlay]]\nmethod = "GET"\npath = "/customers/c"\njson = { id = 5 }\n', 2,
         "json does not fit"),
        ("payments", "examples/bad.json", '{\n "operation": "GET /customers/{customer_id}",\n "json": {"id": 5}\n}', 3,
         "json does not fit"),
        ("crm", "overlays.toml", '[[overlay]]\noperation = "GetAccount"\nanswer = { "@status" = "Asleep" }\n', 1,
         "answer does not fit GetAccount"),
        ("inventory", "overlays.toml", '[[overlay]]\noperation = "Query.product"\njson = { status = "SOLD" }\n', 1,
         "'SOLD' is not a value of ProductStatus"),
        ("inventory", "hooks.py", "from toolkit.sandbox.hooks import hook\n\nimport nowhere_ctk_module\n", 3,
         "No module named 'nowhere_ctk_module'"),
        ("crm", "hooks.py", "def broken(:\n", 1, "hooks.py is not valid Python"),
    ],
)  # fmt: skip
def test_serve_check_refuses_a_bad_file_naming_it_and_its_line(
    tmp_path: Path, api: str, name: str, text: str, line: int, words: str
) -> None:
    path = _bad_workspace(tmp_path, api, name, text)
    code, out, err = ctk("serve", "--root", str(tmp_path), "--check")
    assert_refused_output(code, out, err, f"{path}:{line}")
    assert words in err


def test_serve_check_accepts_the_good_workspace(tmp_path: Path) -> None:
    code, _, err = ctk("serve", "--root", str(_workspace(tmp_path)), "--check")
    assert code == 0, err
    assert "--check: not started" in err
