"""Request bodies sent as XML: read into the schema's shape (OpenAPI's ``xml`` object: names, attributes,
wrapped arrays, namespaces), then judged by the operation's one request validator, so an XML body's
violations are the ones the same data sent as JSON gets; hostile XML is refused without a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.transport.serialization import serialize_xml_with_schema

from toolkit.limits import DEFAULT_LIMITS
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.transport import MockTransport
from toolkit.openapi.mock.handler import OpenAPIMock, OpenAPIMockOptions
from toolkit.openapi.mock.xml_bodies import XmlBody

BASE = "https://pets.example.com/v1"

PET = {
    "type": "object",
    "required": ["id", "name"],
    "xml": {"name": "pet", "namespace": "urn:pets", "prefix": "p"},
    "properties": {
        "id": {"type": "integer", "minimum": 1, "xml": {"attribute": True}},
        "name": {"type": "string", "maxLength": 20},
        "vaccinated": {"type": "boolean"},
        "weight": {"type": "number"},
        "tags": {"type": "array", "xml": {"wrapped": True}, "items": {"type": "string", "xml": {"name": "tag"}}},
        "photoUrls": {"type": "array", "items": {"type": "string", "xml": {"name": "photoUrl"}}},
        "owner": {"$ref": "#/components/schemas/Owner"},
    },
    "additionalProperties": False,
}

OPENAPI3 = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1"},
    "servers": [{"url": BASE}],
    "paths": {
        "/pets": {
            "post": {
                "operationId": "addPet",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}},
                        "application/xml": {"schema": {"$ref": "#/components/schemas/Pet"}},
                    },
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    }
                },
            }
        },
        "/pets/batch": {
            "post": {
                "operationId": "addPets",
                "requestBody": {
                    "required": True,
                    "content": {
                        "text/xml": {
                            "schema": {
                                "type": "array",
                                "xml": {"name": "pets", "wrapped": True},
                                "items": {"$ref": "#/components/schemas/Pet"},
                            }
                        }
                    },
                },
                "responses": {"204": {"description": "added"}},
            }
        },
    },
    "components": {
        "schemas": {
            "Pet": PET,
            "Owner": {
                "type": "object",
                "xml": {"name": "person"},
                "properties": {"email": {"type": "string", "format": "email"}, "age": {"type": "integer"}},
            },
        }
    },
}

SWAGGER2 = {
    "swagger": "2.0",
    "info": {"title": "Orders", "version": "1"},
    "host": "orders.example.com",
    "basePath": "/api",
    "schemes": ["https"],
    "consumes": ["application/json", "application/xml", "text/xml"],
    "produces": ["application/json", "application/xml"],
    "paths": {
        "/orders": {
            "post": {
                "operationId": "placeOrder",
                "parameters": [
                    {"in": "body", "name": "body", "required": True, "schema": {"$ref": "#/definitions/Order"}}
                ],
                "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Order"}}},
            }
        }
    },
    "definitions": {
        "Order": {
            "type": "object",
            "required": ["petId", "quantity"],
            "xml": {"name": "Order"},
            "properties": {
                "id": {"type": "integer", "format": "int64"},
                "petId": {"type": "integer", "format": "int64"},
                "quantity": {"type": "integer", "format": "int32", "maximum": 10},
                "status": {"type": "string", "enum": ["placed", "approved", "delivered"]},
                "complete": {"type": "boolean"},
            },
        }
    },
}

GOOD_PET = b"""<?xml version="1.0" encoding="UTF-8"?>
<p:pet xmlns:p="urn:pets" id="7">
  <p:name>Rex</p:name>
  <p:vaccinated>true</p:vaccinated>
  <p:weight>12.5</p:weight>
  <p:tags><p:tag>good</p:tag><p:tag>dog</p:tag></p:tags>
  <p:photoUrl>https://img.example.com/1.png</p:photoUrl>
  <p:photoUrl>https://img.example.com/2.png</p:photoUrl>
  <person><email>ann@example.com</email><age>41</age></person>
</p:pet>"""


def _client(tmp_path: Path, document: dict[str, Any], base: str, **options: Any) -> httpx.Client:
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    mock = MockEnvelope(OpenAPIMock(load_contract(path), OpenAPIMockOptions(seed=1, **options)))  # type: ignore[arg-type]
    return httpx.Client(transport=MockTransport(mock), base_url=base)


@pytest.fixture
def pets(tmp_path: Path) -> httpx.Client:
    return _client(tmp_path, OPENAPI3, BASE)


def _xml(client: httpx.Client, path: str, body: bytes, content_type: str = "application/xml") -> httpx.Response:
    return client.post(path, content=body, headers={"content-type": content_type, "accept": "application/json"})


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 400, response.text
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


def test_an_xml_body_is_read_into_the_schema_shape(pets: httpx.Client) -> None:
    response = _xml(pets, "/pets", GOOD_PET)
    assert response.status_code == 201, response.text
    # text/xml with a charset parameter is the same body, and an unqualified client means the same names
    plain = GOOD_PET.replace(b"p:", b"").replace(b' xmlns:p="urn:pets"', b"")
    assert _xml(pets, "/pets", plain, "application/xml; charset=utf-8").status_code == 201


def test_the_xml_reading_gives_the_values_json_would(pets: httpx.Client, tmp_path: Path) -> None:
    as_json = {
        "id": 7,
        "name": "Rex",
        "vaccinated": True,
        "weight": 12.5,
        "tags": ["good", "dog"],
        "photoUrls": ["https://img.example.com/1.png", "https://img.example.com/2.png"],
        "owner": {"email": "ann@example.com", "age": 41},
    }
    from_json = pets.post("/pets", json=as_json, headers={"accept": "application/json"})
    from_xml = _xml(pets, "/pets", GOOD_PET)
    assert from_json.status_code == from_xml.status_code == 201
    path = tmp_path / "contract.json"  # written by the fixture
    contract: Any = load_contract(path)
    schema = contract.document["components"]["schemas"]["Pet"]
    reader = XmlBody.of("application/xml", schema, contract.resolver.root_uri, contract.resolver)
    assert reader is not None
    value, refusal = reader.read(GOOD_PET, DEFAULT_LIMITS.max_xml_elements, DEFAULT_LIMITS.max_nesting)
    assert refusal is None
    assert value == as_json


@pytest.mark.parametrize(
    ("xml", "as_json"),
    [
        # a type mismatch: text that is not an integer stays text, and the validator names it
        (b'<pet id="seven"><name>Rex</name></pet>', {"id": "seven", "name": "Rex"}),
        # a missing required property
        (b'<pet id="7"><vaccinated>yes</vaccinated></pet>', {"id": 7, "vaccinated": "yes"}),
        # a bound, and an element no property names under additionalProperties: false
        (b'<pet id="0"><name>Rex</name><colour>red</colour></pet>', {"id": 0, "name": "Rex", "colour": "red"}),
        # a nested object's own types
        (
            b'<pet id="3"><name>R</name><person><age>old</age></person></pet>',
            {"id": 3, "name": "R", "owner": {"age": "old"}},
        ),
    ],
)
def test_xml_violations_are_the_ones_json_gets(pets: httpx.Client, xml: bytes, as_json: dict[str, Any]) -> None:
    from_xml = _errors(_xml(pets, "/pets", xml))
    from_json = _errors(pets.post("/pets", json=as_json))
    assert from_xml == from_json
    assert from_xml and all(error["in"] == "body" for error in from_xml)


def test_a_repeated_element_where_one_value_is_expected_is_a_violation(pets: httpx.Client) -> None:
    errors = _errors(_xml(pets, "/pets", b'<pet id="7"><name>Rex</name><name>Max</name></pet>'))
    assert [error["pointer"] for error in errors] == ["/name"]


def test_a_wrapped_top_level_array_of_objects(pets: httpx.Client) -> None:
    batch = b'<pets><pet id="1"><name>A</name></pet><pet id="2"><name>B</name></pet></pets>'
    assert _xml(pets, "/pets/batch", batch, "text/xml").status_code == 204
    errors = _errors(_xml(pets, "/pets/batch", b'<pets><pet id="1"/></pets>', "text/xml"))
    assert [(error["pointer"], "name" in error["detail"]) for error in errors] == [("/0", True)]


def test_xsi_nil_is_null(pets: httpx.Client) -> None:
    nil = b'<pet xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="1"><name xsi:nil="true"/></pet>'
    errors = _errors(_xml(pets, "/pets", nil))
    assert errors == _errors(pets.post("/pets", json={"id": 1, "name": None}))


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'<pet id="7">\n  <name>Rex</nam>\n</pet>', "line 2, column"),
        (b"<pet", "line 1, column"),
        (b"not xml at all", "line 1, column"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE pet [<!ENTITY x "y">]>\n<pet id="1"><name>&x;</name></pet>',
            "declares a DOCTYPE (line 2)",
        ),
        (b'<!DOCTYPE pet SYSTEM "file:///etc/passwd"><pet/>', "nothing was fetched or expanded"),
        # the same in UTF-16, where a byte scan for "<!DOCTYPE" finds nothing
        ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE p [<!ENTITY a "a">]><pet/>'.encode("utf-16"), "(line 2)"),
        (b'<pet id="1">\x00</pet>', "Char 0x0 out of allowed range (line 1, column 13)"),
    ],
)
def test_malformed_or_hostile_xml_is_a_400_naming_the_place(pets: httpx.Client, body: bytes, words: str) -> None:
    response = _xml(pets, "/pets", body)
    assert response.status_code == 400, response.text
    details = " ".join(error["detail"] for error in response.json()["errors"])
    assert words in details
    assert "root:" not in details and "Traceback" not in response.text


def test_malformed_xml_names_line_and_column(pets: httpx.Client) -> None:
    response = _xml(pets, "/pets", b'<pet id="7">\n  <name>Rex</nam>\n</pet>')
    (error,) = response.json()["errors"]
    assert "not well-formed XML" in error["detail"]
    assert "(line 2, column 18)" in error["detail"]


def test_element_and_nesting_limits(tmp_path: Path) -> None:
    limits = DEFAULT_LIMITS.replace(max_xml_elements=50, max_nesting=8)
    client = _client(tmp_path, OPENAPI3, BASE, limits=limits)
    many = b'<pet id="1"><name>A</name>' + b"<x/>" * 60 + b"</pet>"
    response = _xml(client, "/pets", many)
    assert response.status_code == 413, response.text
    assert "more than 50 elements (the limit max_xml_elements)" in response.text
    deep = b'<pet id="1"><name>A</name>' + b"<x>" * 10 + b"</x>" * 10 + b"</pet>"
    response = _xml(client, "/pets", deep)
    assert response.status_code == 400 and "deeper than 8 (the limit max_nesting)" in response.text
    # under both limits the same shapes are read (and the unknown element is what is reported)
    errors = _errors(_xml(client, "/pets", b'<pet id="1"><name>A</name>' + b"<x/>" * 40 + b"</pet>"))
    assert [error["detail"] for error in errors] == [errors[0]["detail"]] and "x" in errors[0]["detail"]


def test_swagger2_consumes_xml(tmp_path: Path) -> None:
    client = _client(tmp_path, SWAGGER2, "https://orders.example.com/api")
    order = b"<Order><petId>3</petId><quantity>2</quantity><status>placed</status><complete>false</complete></Order>"
    for content_type in ("application/xml", "text/xml"):
        assert _xml(client, "/orders", order, content_type).status_code == 200
    too_many = order.replace(b"<quantity>2<", b"<quantity>11<")
    assert _errors(_xml(client, "/orders", too_many)) == _errors(
        client.post("/orders", json={"petId": 3, "quantity": 11, "status": "placed", "complete": False})
    )
    assert _errors(_xml(client, "/orders", b"<Order><petId>3</petId></Order>", "text/xml"))[0]["pointer"] == ""


def test_a_string_schema_still_takes_the_raw_xml(tmp_path: Path) -> None:
    """Only object and array schemas are read as a tree: a string schema takes the document's text."""
    document = json.loads(json.dumps(OPENAPI3))
    document["paths"]["/pets"]["post"]["requestBody"]["content"] = {
        "application/xml": {"schema": {"type": "string", "maxLength": 40}}
    }
    client = _client(tmp_path, document, BASE)
    assert _xml(client, "/pets", b"<anything><at>all</at></anything>").status_code == 201
    assert _xml(client, "/pets", b"<anything>" + b"a" * 40 + b"</anything>").status_code == 400


# -- an independent writer: schemathesis's XML serializer (it honours the xml object) round-trips ---------

_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0xD7FF), max_size=12)
_PETS = st.fixed_dictionaries(
    {"id": st.integers(min_value=1), "name": _TEXT},
    optional={
        "vaccinated": st.booleans(),
        "weight": st.floats(allow_nan=False, allow_infinity=False),
        "tags": st.lists(_TEXT, max_size=3),
        # an empty unwrapped array writes no element at all: XML cannot tell it from an absent one
        "photoUrls": st.lists(_TEXT, min_size=1, max_size=3),
        "owner": st.fixed_dictionaries({}, optional={"email": _TEXT, "age": st.integers()}),
    },
)


def test_what_schemathesis_writes_reads_back_as_the_same_value(tmp_path: Path) -> None:
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(OPENAPI3), encoding="utf-8")
    contract: Any = load_contract(path)
    schemas = contract.document["components"]["schemas"]
    reader = XmlBody.of("application/xml", schemas["Pet"], contract.resolver.root_uri, contract.resolver)
    assert reader is not None
    inline = {**schemas["Pet"], "properties": {**schemas["Pet"]["properties"], "owner": schemas["Owner"]}}

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(_PETS)
    def round_trip(value: dict[str, Any]) -> None:
        data = serialize_xml_with_schema(value, inline, "pet")["data"]
        read, refusal = reader.read(data, DEFAULT_LIMITS.max_xml_elements, DEFAULT_LIMITS.max_nesting)
        assert refusal is None and read == value, data

    round_trip()
