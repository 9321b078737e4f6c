"""The example workspace's sandbox: REST, SOAP and GraphQL mocks on one server, each under its mount.

Built exactly as ``ctk serve`` (no arguments) builds it, then reached in-process through the httpx
adapter (the same handler the ASGI app serves): every protocol answers in its own form, including for
the errors an adapter finds before the handler runs (a body over the size limit).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from lxml import etree

from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit.errors import ConfigError
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.transport import MockTransport
from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler, mounted_apis
from toolkit.workspace import load_workspace

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
GET_ACCOUNT = (
    f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
    '<GetAccountRequest xmlns="urn:example:crm:types"><id>001A000001Xyz12AAB</id></GetAccountRequest>'
    "</soap:Body></soap:Envelope>"
)
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:example:crm/GetAccount"'}


def workspace_config() -> ServeConfig:
    """The workspace's APIs without their state and scenarios: these tests are about routing and each
    protocol's own answers (tests/sandbox/test_*state.py test the layers)."""
    space = load_workspace(REPO)
    mounted = mounted_apis(space)
    for item in mounted:
        item.state, item.scenarios = False, {}
    return ServeConfig(contracts=mounted, seed=space.sandbox.seed)


@pytest.fixture(scope="module")
def client() -> httpx.Client:
    return httpx.Client(transport=MockTransport(build_handler(workspace_config())), base_url="http://sandbox.test")


def test_rest_answers_under_its_mount(client: httpx.Client) -> None:
    response = client.get("/payments/customers/cus_1", headers={"X-Api-Key": "sk_test_1"})
    assert response.status_code == 200
    assert response.json()["id"] == "cus_1"


def test_soap_answers_under_its_mount_and_echoes_the_id(client: httpx.Client) -> None:
    response = client.post("/crm", content=GET_ACCOUNT, headers=SOAP_HEADERS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    body = etree.fromstring(response.content).find(f"{{{SOAP11}}}Body")
    assert body is not None and etree.QName(body[0]).localname == "GetAccountResponse"
    assert "001A000001Xyz12AAB" in response.text


def test_soap_wsdl_points_at_the_mock(client: httpx.Client) -> None:
    response = client.get("/crm?wsdl")
    assert response.status_code == 200
    locations = etree.fromstring(response.content).xpath("//*[local-name()='address']/@location")
    assert locations and all(str(location).startswith("http://sandbox.test/crm") for location in locations)


def test_graphql_answers_under_its_mount(client: httpx.Client) -> None:
    query = '{ product(id: "UHJvZHVjdDox") { id name status } }'
    response = client.post("/inventory", json={"query": query}, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    product = response.json()["data"]["product"]
    assert product is None or product["id"] == "UHJvZHVjdDox"


def test_same_workspace_same_bytes_across_builds(client: httpx.Client) -> None:
    again = httpx.Client(transport=MockTransport(build_handler(workspace_config())), base_url="http://sandbox.test")
    for send in (
        lambda c: c.post("/crm", content=GET_ACCOUNT, headers=SOAP_HEADERS),
        lambda c: c.post("/inventory", json={"query": "{ warehouses { id name } }"}),
    ):
        assert send(client).content == send(again).content


@pytest.mark.parametrize(
    ("path", "headers", "expect"),
    [
        ("/crm", SOAP_HEADERS, "fault"),
        ("/inventory", {"Content-Type": "application/json"}, "graphql"),
        ("/payments/customers", {"Content-Type": "application/json", "X-Api-Key": "k"}, "problem"),
    ],
)
def test_oversized_bodies_get_each_protocols_own_error(path: str, headers: dict[str, str], expect: str) -> None:
    app = MockASGIApp(build_handler(workspace_config()), max_body=1024)

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test") as client:
            return await client.post(path, content=b"x" * 4096, headers=headers)

    response = asyncio.run(send())
    assert response.status_code == 413
    if expect == "fault":
        assert b"Fault" in response.content
        etree.fromstring(response.content)  # a SOAP envelope, not an HTML page
    elif expect == "graphql":
        document = json.loads(response.content)
        assert document["errors"] and "1024" in document["errors"][0]["message"]
    else:
        assert response.headers["content-type"] == "application/problem+json"


def test_graphql_limits_come_from_the_workspace(tmp_path: Path) -> None:
    inventory = REPO / "contracts" / "inventory" / "v1"
    config = f'[apis.inventory]\ncontract = "{inventory.as_posix()}"\n[apis.inventory.mock]\nmax_depth = 2\n'
    handler = build_handler(ServeConfig(mounted_apis(load_workspace(write_workspace(tmp_path, config)))))
    client = httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test")
    shallow = client.post("/inventory", json={"query": "{ warehouses { id } }"})
    deep = client.post("/inventory", json={"query": "{ products { edges { node { id } } } }"})
    assert "errors" not in shallow.json()
    assert deep.json()["errors"][0]["extensions"]["code"] == "DEPTH_LIMIT"
    assert "limit of 2" in deep.json()["errors"][0]["message"]


def test_a_graphql_setting_on_a_soap_api_is_refused_by_name() -> None:
    crm = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"
    with pytest.raises(ConfigError) as refused:
        build_handler(ServeConfig([MountedContract(str(crm), "/crm", name="crm", settings={"max_depth": 3})]))
    assert "mock.max_depth does not apply to crm, a soap contract" in str(refused.value)
    assert refused.value.hint == "max_depth is a setting of GraphQL mocks"


def test_the_introspection_budget_comes_from_the_workspace(tmp_path: Path) -> None:
    inventory = REPO / "contracts" / "inventory" / "v1"
    config = (
        f'[apis.inventory]\ncontract = "{inventory.as_posix()}"\n[apis.inventory.mock]\nmax_introspection_cost = 5\n'
    )
    handler = build_handler(ServeConfig(mounted_apis(load_workspace(write_workspace(tmp_path, config)))))
    client = httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test")
    small = client.post("/inventory", json={"query": '{ __type(name: "Query") { name } }'})
    listing = client.post("/inventory", json={"query": "{ __schema { types { name fields { name } } } }"})
    assert "errors" not in small.json(), small.text
    assert listing.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT", listing.text
