"""``ctk drift --sunset-horizon``: pinned operations whose sunset is near or past, from the pinned contract alone.

The same contract in the three protocols (an ``orders`` operation with a sunset on 2027-03-31, an ``items``
operation without), each marked the protocol's way: OpenAPI ``x-sunset``, a GraphQL ``@deprecated`` reason,
a WSDL operation's documentation. ``--today`` fixes the date the horizon is judged from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import ctk, run_ctk
from tests.support.files import write_file, write_workspace

SUNSET = "2027-03-31"
TWENTY_NINE_DAYS_BEFORE = "2027-03-02"
DAY_AFTER = "2027-04-01"

OPENAPI = f"""openapi: 3.1.0
info: {{title: Shop, version: "1"}}
paths:
  /orders:
    get:
      deprecated: true
      x-sunset: "{SUNSET}"
      responses: {{"200": {{description: ok}}}}
  /items:
    get:
      responses: {{"200": {{description: ok}}}}
"""

GRAPHQL = f"""type Query {{
  orders: [String] @deprecated(reason: "Use items. Sunset: {SUNSET}.")
  items: [String]
}}
"""

WSDL = f"""<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:shop" targetNamespace="urn:shop">
  <wsdl:types>
    <xs:schema targetNamespace="urn:shop" elementFormDefault="qualified">
      <xs:element name="Ask"><xs:complexType><xs:sequence/></xs:complexType></xs:element>
      <xs:element name="Answer"><xs:complexType><xs:sequence/></xs:complexType></xs:element>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="AskMessage"><wsdl:part name="body" element="tns:Ask"/></wsdl:message>
  <wsdl:message name="AnswerMessage"><wsdl:part name="body" element="tns:Answer"/></wsdl:message>
  <wsdl:portType name="ShopPortType">
    <wsdl:operation name="Orders">
      <wsdl:documentation>Deprecated: use Items instead. Sunset: {SUNSET}.</wsdl:documentation>
      <wsdl:input message="tns:AskMessage"/><wsdl:output message="tns:AnswerMessage"/>
    </wsdl:operation>
    <wsdl:operation name="Items">
      <wsdl:input message="tns:AskMessage"/><wsdl:output message="tns:AnswerMessage"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="ShopBinding" type="tns:ShopPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Orders">
      <soap:operation soapAction="urn:shop/Orders"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
    <wsdl:operation name="Items">
      <soap:operation soapAction="urn:shop/Items"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="ShopService">
    <wsdl:port name="ShopPort" binding="tns:ShopBinding"><soap:address location="http://shop.example/soap"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"""

CONTRACTS = {"openapi.yaml": OPENAPI, "schema.graphql": GRAPHQL, "shop.wsdl": WSDL}
SUNSET_OPERATION = {
    "openapi.yaml": "GET /orders",
    "schema.graphql": "Query.orders",
    "shop.wsdl": "ShopService/ShopPort/Orders",
}


@pytest.fixture(params=sorted(CONTRACTS))
def pinned(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    name: str = request.param
    return write_file(tmp_path, name, CONTRACTS[name])


def drift_json(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = ctk("drift", *args, "--format", "json")
    assert out, err
    data: dict[str, Any] = json.loads(out)
    return code, data, err


def test_a_sunset_29_days_away_is_no_longer_silent(pinned: Path) -> None:
    args = (str(pinned), str(pinned), "--today", TWENTY_NINE_DAYS_BEFORE, "--fail-on", "deprecation")
    code, data, _ = drift_json(*args)
    assert (code, data["changes"]) == (0, [])  # no horizon: both sides are the same contract
    code, data, err = drift_json(*args, "--sunset-horizon", "90d")
    assert code == 1, err
    [change] = data["changes"]
    assert change["id"] == "operation-sunset-within-horizon"
    assert (change["severity"], change["deprecation"], change["sunset"]) == ("info", True, SUNSET)
    assert change["operations"] == [SUNSET_OPERATION[pinned.name]]
    assert "in 29 days" in change["message"]


def test_a_sunset_already_past_is_dangerous_in_every_protocol(pinned: Path) -> None:
    code, data, err = drift_json(
        str(pinned), str(pinned), "--today", DAY_AFTER, "--sunset-horizon", "0d", "--fail-on", "dangerous"
    )
    assert code == 1, err
    [change] = data["changes"]
    assert (change["id"], change["severity"], change["deprecation"]) == ("operation-sunset-passed", "dangerous", True)
    assert "1 day ago" in change["message"]


@pytest.mark.parametrize(("horizon", "found"), [("28d", False), ("29d", True), ("4w", False), ("5w", True)])
def test_the_horizon_counts_days_and_weeks(tmp_path: Path, horizon: str, found: bool) -> None:
    pinned = write_file(tmp_path, "openapi.yaml", OPENAPI)
    args = (str(pinned), str(pinned), "--today", TWENTY_NINE_DAYS_BEFORE, "--sunset-horizon", horizon)
    code, data, _ = drift_json(*args, "--fail-on", "deprecation")
    assert code == int(found)
    assert len(data["changes"]) == int(found)


def test_the_pinned_contract_alone_is_enough(tmp_path: Path) -> None:
    """``ctk drift API --sunset-horizon 90d`` for an API with nothing published to compare with."""
    write_file(tmp_path, "contracts/shop/v1/openapi.yaml", OPENAPI)
    root = write_workspace(tmp_path, '[apis.shop]\ncontract = "contracts/shop/v1"\n')
    base = ("shop", "--workspace", str(root), "--today", TWENTY_NINE_DAYS_BEFORE, "--fail-on", "deprecation")
    code, _, err = ctk("drift", *base)
    assert code == 2 and "nothing to compare" in err  # named, without a horizon: it cannot be compared
    code, data, err = drift_json(*base, "--sunset-horizon", "90d")
    assert code == 1, err
    [api] = data["apis"]
    assert (api["via"], api["status"]) == ("horizon", "failing")
    assert [change["id"] for change in data["changes"]] == ["operation-sunset-within-horizon"]


def test_the_workspace_sets_the_default_horizon_and_the_flag_wins(tmp_path: Path) -> None:
    write_file(tmp_path, "contracts/shop/v1/openapi.yaml", OPENAPI)
    root = write_workspace(
        tmp_path,
        '[drift]\nsunset_horizon = "90d"\nfail_on = "deprecation"\n\n[apis.shop]\ncontract = "contracts/shop/v1"\n',
    )
    base = ("shop", "--workspace", str(root), "--today", TWENTY_NINE_DAYS_BEFORE)
    code, data, err = drift_json(*base)
    assert code == 1, err
    assert len(data["changes"]) == 1
    code, data, err = drift_json(*base, "--sunset-horizon", "2w")  # 29 days away is beyond two weeks
    assert (code, data["changes"]) == (0, []), err


def test_a_malformed_horizon_is_refused_in_the_reports_own_format(tmp_path: Path) -> None:
    pinned = write_file(tmp_path, "openapi.yaml", OPENAPI)
    code, data, err = drift_json(str(pinned), str(pinned), "--sunset-horizon", "90 days")
    assert code == 2
    [error] = data["errors"]
    assert error["where"] == "--sunset-horizon" and "90 days" in error["message"]
    assert err.startswith("error: --sunset-horizon: ") and "90d or 12w" in err


def test_the_installed_command_reports_the_horizon(tmp_path: Path) -> None:
    pinned = write_file(tmp_path, "schema.graphql", GRAPHQL)
    done = run_ctk(
        "drift", "schema.graphql", "schema.graphql", "--sunset-horizon", "90d", "--today", TWENTY_NINE_DAYS_BEFORE,
        "--fail-on", "deprecation", cwd=pinned.parent,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Query.orders sunsets on 2027-03-31, in 29 days" in done.stdout
    assert "operation-sunset-within-horizon" in done.stdout
