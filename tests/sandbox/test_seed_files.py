"""Seed files, ``mocks/<api>/seed.json`` or ``seed.toml``: resources every session starts with, for REST, SOAP and
GraphQL state, on small contracts written here. In-process through ``build_handler`` (what ``ctk serve`` builds
from a workspace) and httpx's ``MockTransport``: seeded items read back, list, change, delete per session, and
a reset session gets them back; over real HTTP through a ``ctk serve`` subprocess; and every bad seed refused by
``ctk serve --check`` with one line naming the file, its line, the item and the violation (no traceback)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.support.cli import assert_refused_output, ctk, run_ctk
from tests.support.files import write_file, write_workspace
from tests.support.served import assert_no_traceback, served
from toolkit.errors import ConfigError
from toolkit.mock import MockTransport
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.server import ServeConfig, build_handler, mounted_apis
from toolkit.sandbox.state.rest import StateLayer
from toolkit.sandbox.state.soap import SoapStateLayer
from toolkit.workspace import load_workspace

# -- contracts ------------------------------------------------------------------------------------------------

SHELF = """openapi: 3.0.3
info: {title: Shelf, version: "1"}
servers: [{url: "https://shelf.example.com/v1"}]
paths:
  /books:
    get:
      responses:
        "200":
          description: a page of books
          content:
            application/json:
              schema:
                type: object
                required: [data]
                properties: {data: {type: array, items: {$ref: "#/components/schemas/Book"}}, has_more: {type: boolean}}
    post:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/BookInput"}}}}
      responses:
        "201": {description: made, content: {application/json: {schema: {$ref: "#/components/schemas/Book"}}}}
  /books/{book_id}:
    parameters: [{name: book_id, in: path, required: true, schema: {type: string}}]
    get:
      responses:
        "200": {description: one, content: {application/json: {schema: {$ref: "#/components/schemas/Book"}}}}
        "404": {description: none, content: {application/json: {schema: {$ref: "#/components/schemas/Problem"}}}}
    patch:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/BookInput"}}}}
      responses:
        "200": {description: changed, content: {application/json: {schema: {$ref: "#/components/schemas/Book"}}}}
        "404": {description: none, content: {application/json: {schema: {$ref: "#/components/schemas/Problem"}}}}
    delete:
      responses:
        "204": {description: gone}
        "404": {description: none, content: {application/json: {schema: {$ref: "#/components/schemas/Problem"}}}}
  /books/{book_id}/notes:
    parameters: [{name: book_id, in: path, required: true, schema: {type: string}}]
    get:
      responses:
        "200":
          description: notes
          content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Note"}}}}
  /books/{book_id}/notes/{note_id}:
    parameters:
      - {name: book_id, in: path, required: true, schema: {type: string}}
      - {name: note_id, in: path, required: true, schema: {type: string}}
    get:
      responses:
        "200": {description: one, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
        "404": {description: none, content: {application/json: {schema: {$ref: "#/components/schemas/Problem"}}}}
  /genres/{genre_id}:
    parameters: [{name: genre_id, in: path, required: true, schema: {type: string}}]
    get:
      responses:
        "200": {description: one, content: {application/json: {schema: {$ref: "#/components/schemas/Genre"}}}}
        "404": {description: none, content: {application/json: {schema: {$ref: "#/components/schemas/Problem"}}}}
  /genres:
    get:
      responses:
        "200":
          description: all
          content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Genre"}}}}
components:
  schemas:
    Book:
      type: object
      required: [id, title]
      properties:
        id: {type: string, pattern: "^bk_[A-Za-z0-9]{6,}$"}
        title: {type: string, minLength: 1}
        pages: {type: integer, minimum: 1}
    BookInput:
      type: object
      properties: {title: {type: string, minLength: 1}, pages: {type: integer, minimum: 1}}
    Note:
      type: object
      required: [id, book_id, text]
      properties: {id: {type: string}, book_id: {type: string}, text: {type: string}}
    Genre:
      type: object
      required: [id, name]
      properties: {id: {type: string}, name: {type: string}}
    Problem:
      type: object
      properties: {title: {type: string}, detail: {type: string}}
"""

NS = "urn:library"
_OPERATIONS = ("CreateMember", "GetMember", "UpdateMember", "DeleteMember", "ListMembers", "GetBranch")
_MESSAGES = "".join(
    f'<message name="{op}In"><part name="p" element="tns:{op}Request"/></message>'
    f'<message name="{op}Out"><part name="p" element="tns:{op}Response"/></message>'
    for op in _OPERATIONS
)
_PORT = "".join(
    f'<operation name="{op}"><input message="tns:{op}In"/><output message="tns:{op}Out"/></operation>'
    for op in _OPERATIONS
)
_BINDING = "".join(
    f'<operation name="{op}"><soap:operation soapAction="urn:library/{op}"/><input><soap:body use="literal"/>'
    '</input><output><soap:body use="literal"/></output></operation>'
    for op in _OPERATIONS
)
LIBRARY = f"""<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{NS}" targetNamespace="{NS}">
  <types><xs:schema targetNamespace="{NS}" elementFormDefault="qualified">
    <xs:simpleType name="MemberId"><xs:restriction base="xs:string"><xs:pattern value="M[0-9]{{4}}"/>
      </xs:restriction></xs:simpleType>
    <xs:complexType name="Address"><xs:sequence><xs:element name="street" type="xs:string"/>
      <xs:element name="city" type="xs:string"/></xs:sequence></xs:complexType>
    <xs:complexType name="Member"><xs:sequence>
      <xs:element name="memberId" type="tns:MemberId"/>
      <xs:element name="name" type="xs:string"/>
      <xs:element name="email" type="xs:string" minOccurs="0"/>
      <xs:element name="address" type="tns:Address" minOccurs="0"/>
      <xs:element name="joined" type="xs:date"/>
      </xs:sequence>
      <xs:attribute name="tier" use="required"><xs:simpleType><xs:restriction base="xs:string">
        <xs:enumeration value="gold"/><xs:enumeration value="silver"/></xs:restriction></xs:simpleType></xs:attribute>
    </xs:complexType>
    <xs:complexType name="Branch"><xs:sequence><xs:element name="id" type="xs:string"/>
      <xs:element name="town" type="xs:string"/></xs:sequence></xs:complexType>
    <xs:element name="CreateMemberRequest"><xs:complexType><xs:sequence><xs:element name="name" type="xs:string"/>
      <xs:element name="email" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="CreateMemberResponse"><xs:complexType><xs:sequence>
      <xs:element name="member" type="tns:Member"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="GetMemberRequest"><xs:complexType><xs:sequence>
      <xs:element name="memberId" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="GetMemberResponse"><xs:complexType><xs:sequence>
      <xs:element name="member" type="tns:Member"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="UpdateMemberRequest"><xs:complexType><xs:sequence>
      <xs:element name="memberId" type="xs:string"/><xs:element name="name" type="xs:string" minOccurs="0"/>
      <xs:element name="email" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="UpdateMemberResponse"><xs:complexType><xs:sequence>
      <xs:element name="ok" type="xs:boolean"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="DeleteMemberRequest"><xs:complexType><xs:sequence>
      <xs:element name="memberId" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="DeleteMemberResponse"><xs:complexType><xs:sequence>
      <xs:element name="ok" type="xs:boolean"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="ListMembersRequest"><xs:complexType><xs:sequence/></xs:complexType></xs:element>
    <xs:element name="ListMembersResponse"><xs:complexType><xs:sequence>
      <xs:element name="member" type="tns:Member" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType></xs:element>
    <xs:element name="GetBranchRequest"><xs:complexType><xs:sequence>
      <xs:element name="id" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="GetBranchResponse"><xs:complexType><xs:sequence>
      <xs:element name="branch" type="tns:Branch"/></xs:sequence></xs:complexType></xs:element>
  </xs:schema></types>
  {_MESSAGES}
  <portType name="Library">{_PORT}</portType>
  <binding name="LibrarySoap" type="tns:Library">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>{_BINDING}</binding>
  <service name="LibraryService"><port name="LibraryPort" binding="tns:LibrarySoap">
    <soap:address location="https://library.example.com/soap"/></port></service>
</definitions>
"""

TOWNS = """
type Town { id: ID! name: String! population: Int kind: Kind! streets: [Street!]! }
type Street { name: String! length: Float }
enum Kind { CITY VILLAGE }
type Query { town(id: ID!): Town towns: [Town!]! }
type Mutation { createTown(name: String!, kind: Kind!): Town! deleteTown(id: ID!): Boolean! }
"""

SHELF_SEEDS = """{
  "books": [
    {"id": "bk_seed01", "title": "Seeded", "pages": 10},
    {"id": "bk_seed02", "title": "Second"}
  ],
  "books/{book_id}/notes": [{"id": "n1", "book_id": "bk_seed01", "text": "good"}],
  "genres": [{"id": "poetry", "name": "Poetry"}]
}
"""

LIBRARY_SEEDS = """
[[Member]]
"@tier" = "gold"
memberId = "M0001"
name = "Ada"
joined = "2020-02-02"
address = { street = "1 Loop", city = "Leeds" }

[[Branch]]
id = "central"
town = "Leeds"
"""

TOWNS_SEEDS = """{"Town": [
  {"id": "t1", "name": "Tilbury", "kind": "CITY", "streets": [{"name": "High St", "length": 1.5}]}
]}
"""


def _workspace(root: Path, seeds: dict[str, tuple[str, str]]) -> Path:
    """A workspace serving shelf (REST), library (SOAP) and towns (GraphQL) with state; ``seeds``: api -> (file
    name, text) under mocks/<api>/."""
    write_file(root, "contracts/shelf/openapi.yaml", SHELF)
    write_file(root, "contracts/library/library.wsdl", LIBRARY)
    write_file(root, "contracts/towns/schema.graphql", TOWNS)
    for api, (name, text) in seeds.items():
        write_file(root, f"mocks/{api}/{name}", text)
    return write_workspace(
        root,
        f"""
[sandbox]
seed = 2

[apis.shelf]
contract = "{root / "contracts" / "shelf" / "openapi.yaml"}"
mount = "/shelf"
state = true

[apis.library]
contract = "{root / "contracts" / "library" / "library.wsdl"}"
mount = "/library"
state = true

[apis.towns]
contract = "{root / "contracts" / "towns" / "schema.graphql"}"
mount = "/towns"
state = true
""",
    )


SEEDED = {
    "shelf": ("seed.json", SHELF_SEEDS),
    "library": ("seed.toml", LIBRARY_SEEDS),
    "towns": ("seed.json", TOWNS_SEEDS),
}


def _client(root: Path) -> httpx.Client:
    handler = build_handler(ServeConfig(mounted_apis(load_workspace(root)), seed=2))
    return httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test")


@pytest.fixture
def sandbox(tmp_path: Path) -> httpx.Client:
    return _client(_workspace(tmp_path, SEEDED))


# -- what a client sees ---------------------------------------------------------------------------------------


def _member(http: httpx.Client, op: str, body: str, session: str = "default") -> tuple[int, etree._Element]:
    text = (f'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:l="{NS}"><e:Body>'
            f"<l:{op}Request>{body}</l:{op}Request></e:Body></e:Envelope>")  # fmt: skip
    headers = {"content-type": "text/xml; charset=utf-8", "soapaction": f'"urn:library/{op}"', "x-ctk-session": session}
    answer = http.post("/library", content=text.encode(), headers=headers)
    assert "ctk-warning" not in answer.headers, answer.headers
    body_element = etree.fromstring(answer.content).find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert body_element is not None
    return answer.status_code, body_element[0]


def _leaves(element: etree._Element) -> dict[str, str]:
    values = {etree.QName(leaf).localname: leaf.text or "" for leaf in element.iter() if not len(leaf)}
    return values | {f"@{etree.QName(name).localname}": str(value) for name, value in element.attrib.items()}


def _graphql(http: httpx.Client, query: str, session: str = "default", **variables: Any) -> dict[str, Any]:
    answer = http.post("/towns", json={"query": query, "variables": variables}, headers={"x-ctk-session": session})
    assert answer.status_code == 200 and "ctk-warning" not in answer.headers, answer.text
    document: dict[str, Any] = answer.json()
    return document


def _rest_seeds_read_list_change_and_delete_per_session(http: httpx.Client) -> None:
    book = http.get("/shelf/books/bk_seed01")
    assert book.status_code == 200 and book.json() == {"id": "bk_seed01", "title": "Seeded", "pages": 10}
    assert [b["id"] for b in http.get("/shelf/books").json()["data"]] == ["bk_seed01", "bk_seed02"]
    assert http.get("/shelf/books/bk_seed01/notes").json() == [{"id": "n1", "book_id": "bk_seed01", "text": "good"}]
    assert http.get("/shelf/books/bk_seed01/notes/n1").json()["text"] == "good"
    assert http.get("/shelf/books/bk_seed02/notes/n1").status_code == 404  # scoped to its parent
    # /genres has no create and no example: stateless without the seed file, its seeded genre now read back
    assert http.get("/shelf/genres/poetry").json() == {"id": "poetry", "name": "Poetry"}
    assert http.get("/shelf/genres/jazz").status_code == 404
    assert http.get("/shelf/genres").json() == [{"id": "poetry", "name": "Poetry"}]

    patched = http.patch("/shelf/books/bk_seed01", json={"title": "Changed"}, headers={"x-ctk-session": "a"})
    assert patched.status_code == 200 and patched.json()["title"] == "Changed"
    assert http.delete("/shelf/books/bk_seed02", headers={"x-ctk-session": "a"}).status_code == 204
    seen_by_a = http.get("/shelf/books", headers={"x-ctk-session": "a"}).json()["data"]
    assert seen_by_a == [{"id": "bk_seed01", "title": "Changed", "pages": 10}]
    assert http.get("/shelf/books/bk_seed02", headers={"x-ctk-session": "a"}).status_code == 404
    # another session starts from the seed file again
    assert [b["title"] for b in http.get("/shelf/books").json()["data"]] == ["Seeded", "Second"]
    made = http.post("/shelf/books", json={"title": "New"}).json()
    assert made["id"] not in ("bk_seed01", "bk_seed02")  # a created book never takes a seeded id
    assert [b["id"] for b in http.get("/shelf/books").json()["data"]][-1] == made["id"]


def _soap_seeds_read_list_change_and_delete_per_session(http: httpx.Client) -> None:
    status, got = _member(http, "GetMember", "<l:memberId>M0001</l:memberId>")
    assert status == 200
    member = got.find(f"{{{NS}}}member")
    assert member is not None
    assert _leaves(member) == {
        "memberId": "M0001",
        "name": "Ada",
        "street": "1 Loop",
        "city": "Leeds",
        "joined": "2020-02-02",
        "@tier": "gold",
    }  # fmt: skip  (the generated email left out)
    status, listed = _member(http, "ListMembers", "")
    assert [m.findtext(f"{{{NS}}}memberId") for m in listed] == ["M0001"]
    # a read-only entity (GetBranch alone) keeps state when the seed file names it
    status, branch = _member(http, "GetBranch", "<l:id>central</l:id>")
    assert status == 200 and branch.findtext(f"{{{NS}}}branch/{{{NS}}}town") == "Leeds"
    status, fault = _member(http, "GetBranch", "<l:id>north</l:id>")
    assert status == 500 and "No such Branch" in etree.tostring(fault).decode()

    assert _member(http, "UpdateMember", "<l:memberId>M0001</l:memberId><l:name>Ada L.</l:name>", "a")[0] == 200
    _, changed = _member(http, "GetMember", "<l:memberId>M0001</l:memberId>", "a")
    assert changed.findtext(f"{{{NS}}}member/{{{NS}}}name") == "Ada L."
    assert _member(http, "DeleteMember", "<l:memberId>M0001</l:memberId>", "a")[0] == 200
    status, fault = _member(http, "GetMember", "<l:memberId>M0001</l:memberId>", "a")
    assert status == 500 and "deleted in this session" in etree.tostring(fault).decode()
    assert _member(http, "DeleteMember", "<l:memberId>M0001</l:memberId>", "a")[0] == 500
    _, untouched = _member(http, "GetMember", "<l:memberId>M0001</l:memberId>", "b")
    assert untouched.findtext(f"{{{NS}}}member/{{{NS}}}name") == "Ada"


def _graphql_seeds_read_list_and_delete_per_session(http: httpx.Client) -> None:
    read = "query($id: ID!) { town(id: $id) { id name kind streets { name length } } }"
    town = _graphql(http, read, id="t1")["data"]["town"]
    assert town == {"id": "t1", "name": "Tilbury", "kind": "CITY", "streets": [{"name": "High St", "length": 1.5}]}
    listed = _graphql(http, "{ towns { id name population } }")["data"]["towns"]
    assert [t["id"] for t in listed] == ["t1"]
    assert _graphql(http, "{ towns { id population } }")["data"]["towns"] == [
        {"id": "t1", "population": listed[0]["population"]}  # a field the seed left out: generated once, then kept
    ]
    assert _graphql(http, 'mutation { deleteTown(id: "t1") }', "a")["data"] == {"deleteTown": True}
    assert _graphql(http, read, "a", id="t1")["data"] == {"town": None}
    assert _graphql(http, 'mutation { deleteTown(id: "t1") }', "a")["data"] == {"deleteTown": False}
    assert _graphql(http, read, "b", id="t1")["data"]["town"]["name"] == "Tilbury"


def test_rest_seeds_in_process(sandbox: httpx.Client) -> None:
    _rest_seeds_read_list_change_and_delete_per_session(sandbox)


def test_soap_seeds_in_process(sandbox: httpx.Client) -> None:
    _soap_seeds_read_list_change_and_delete_per_session(sandbox)


def test_graphql_seeds_in_process(sandbox: httpx.Client) -> None:
    _graphql_seeds_read_list_and_delete_per_session(sandbox)


def test_a_reset_session_gets_its_seeds_back(tmp_path: Path) -> None:
    handler = build_handler(ServeConfig(mounted_apis(load_workspace(_workspace(tmp_path, SEEDED))), seed=2))
    http = httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test")
    assert http.delete("/shelf/books/bk_seed01").status_code == 204
    assert _member(http, "DeleteMember", "<l:memberId>M0001</l:memberId>")[0] == 200
    assert http.get("/shelf/books/bk_seed01").status_code == 404
    mounts = dict(handler.mounts)  # type: ignore[union-attr]
    for mount in ("/shelf", "/library"):
        layers = mounts[mount].layers
        state = next(layer for layer in layers if isinstance(layer, StateLayer | SoapStateLayer))
        assert state.reset("default") > 0
    assert http.get("/shelf/books/bk_seed01").json()["title"] == "Seeded"
    assert _member(http, "GetMember", "<l:memberId>M0001</l:memberId>")[0] == 200


def test_seeds_are_only_read_with_state_on_and_a_contract_given_alone_has_none(tmp_path: Path) -> None:
    root = _workspace(tmp_path, SEEDED)
    handler = build_handler(ServeConfig(mounted_apis(load_workspace(root))[:1], seed=2)).apis[0].handler
    assert isinstance(handler, SandboxedMock)
    http = httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test")
    assert http.get("/shelf/books/bk_seed01").json()["title"] == "Seeded"
    # `ctk serve CONTRACT --state`: no workspace, no mocks folder, no seeds: an unknown id is a 404
    from toolkit.sandbox.server import MountedContract

    alone = build_handler(ServeConfig([MountedContract(str(root / "contracts/shelf/openapi.yaml"), state=True)]))
    plain = httpx.Client(transport=MockTransport(alone), base_url="http://sandbox.test")
    assert plain.get("/v1/books/bk_seed01").status_code == 404


# -- refused at start -----------------------------------------------------------------------------------------

_MEMBER = '[[Member]]\n"@tier" = "{tier}"\nmemberId = "{key}"\n{name} = "A"\njoined = "2020-01-01"\n'
BAD = [
    ("shelf", "seed.json", '{"books": [{"id": "bk_seed01", "title": ""}]}', "books[0]", "at /title"),
    ("shelf", "seed.json", '{"bookz": []}', "'bookz'", "did you mean 'books'"),
    ("shelf", "seed.json", '{"books": [{"title": "No id"}]}', "books[0]", '"id" is a required property'),
    ("shelf", "seed.json", '{"notes": [{"id": "n", "book_id": "bk_nothere", "text": "t"}]}', "notes[0]",
     "neither seeded nor a contract example"),
    ("shelf", "seed.json", '{"books": [{"id": "bk_seed01", "title": "a"},\n {"id": "bk_seed01", "title": "b"}]}',
     "books[1]", "seeded twice"),
    ("shelf", "seed.json", '{"books": [{"id": "bk_seed01",', "seed.json", "not valid JSON"),
    ("shelf", "seed.json", '{"books": {"id": "bk_seed01"}}', "books", "must be an array of objects"),
    ("library", "seed.toml", '[[Member]]\n"@tier" = "gold"\nmemberId = "M0001"\nname = "Ada"\n', "Member[0]",
     "joined is required by the XSD"),
    ("library", "seed.toml", _MEMBER.format(tier="platinum", key="M0001", name="name"), "Member[0]",
     "@tier = 'platinum' does not fit the XSD"),
    ("library", "seed.toml", _MEMBER.format(tier="gold", key="X1", name="name"), "Member[0]",
     "memberId = 'X1' does not fit the XSD"),
    ("library", "seed.toml", _MEMBER.format(tier="gold", key="M0001", name="nmae"), "Member[0]",
     "did you mean 'name'"),
    ("library", "seed.toml", '[[Member]]\nmemberId = "M0001"\nname = "A"\njoined = 2020-01-01\n', "Member[0]",
     "TOML date"),
    ("library", "seed.toml", '[[Members]]\nmemberId = "M0001"\n', "'Members'", "did you mean 'Member'"),
    ("library", "seed.toml", "[[Member]\n", "seed.toml", "not valid TOML"),
    ("towns", "seed.json", '{"Town": [{"id": "t1", "name": "T", "kind": "TOWN", "streets": []}]}', "Town[0]",
     "kind must be one of Kind's values"),
    ("towns", "seed.json", '{"Town": [{"id": "t1", "name": null}]}', "Town[0]", "name is null"),
    ("towns", "seed.json", '{"Town": [{"id": "t1", "streets": [{"name": "x", "lenght": 2}]}]}', "Town[0]",
     "did you mean 'length'"),
    ("towns", "seed.json", '{"Town": [{"id": "t1", "population": 3000000000}]}', "Town[0]",
     "population must be a Int"),
    ("towns", "seed.json", '{"Twon": []}', "'Twon'", "did you mean 'Town'"),
    ("towns", "seed.json", '{"Street": []}', "'Street'", "not an object type with an id field"),
]  # fmt: skip


@pytest.mark.parametrize(("api", "name", "text", "item", "problem"), BAD, ids=[f"{b[0]}-{b[4]}" for b in BAD])
def test_a_bad_seed_is_refused_by_serve_check_with_file_line_item_and_violation(
    tmp_path: Path, api: str, name: str, text: str, item: str, problem: str
) -> None:
    root = _workspace(tmp_path, {api: (name, text)})
    code, out, err = ctk("serve", "--root", str(root), "--check")
    assert_refused_output(code, out, err, f"mocks/{api}/{name}")
    first, hint = err.splitlines()
    assert item in first and problem in err and hint.startswith("  hint: "), err
    if "not valid" not in problem:
        assert f"{name}:" in first, err  # file:line


def test_the_line_named_is_the_items_own(tmp_path: Path) -> None:
    text = '{\n  "books": [\n    {"id": "bk_seed01", "title": "ok"},\n    {"id": "bk_seed02", "pages": 0,\n'
    text += '     "title": "t"}\n  ]\n}\n'
    code, _, err = ctk("serve", "--root", str(_workspace(tmp_path, {"shelf": ("seed.json", text)})), "--check")
    assert code == 2 and "seed.json:4: books[1]: does not fit the book schema: at /pages" in err, err
    toml = (
        '[[Member]]\n"@tier" = "gold"\nmemberId = "M0001"\nname = "A"\njoined = "2020-01-01"\n\n[[Member]]\nname = 1\n'
    )
    code, _, err = ctk("serve", "--root", str(_workspace(tmp_path / "2", {"library": ("seed.toml", toml)})), "--check")
    assert code == 2 and "seed.toml:7: Member[1]" in err, err


def test_both_seed_files_in_one_folder_are_refused(tmp_path: Path) -> None:
    root = _workspace(tmp_path, {"towns": ("seed.json", TOWNS_SEEDS)})
    write_file(root, "mocks/towns/seed.toml", "")
    with pytest.raises(ConfigError, match=r"both seed\.json and seed\.toml"):
        build_handler(ServeConfig(mounted_apis(load_workspace(root))))


def test_the_installed_command_refuses_a_bad_seed_without_a_traceback(tmp_path: Path) -> None:
    root = _workspace(tmp_path, {"towns": ("seed.json", '{"Town": [{"id": "t1", "kind": "TOWN"}]}')})
    run = run_ctk("serve", "--root", str(root), "--check", cwd=tmp_path)
    assert_refused_output(run.returncode, run.stdout, run.stderr, "mocks/towns/seed.json:1")
    assert "Town[0]: kind must be one of Kind's values (CITY, VILLAGE), not 'TOWN'" in run.stderr
    assert "hint:" in run.stderr


def test_good_seeds_pass_serve_check(tmp_path: Path) -> None:
    code, _, err = ctk("serve", "--root", str(_workspace(tmp_path, SEEDED)), "--check")
    assert code == 0, err
    serving = [line for line in err.splitlines() if line.startswith("serving ")]
    assert all("(state: memory; mocks: seed." in line for line in serving), err


# -- over real HTTP -------------------------------------------------------------------------------------------


def test_seeds_over_real_http(tmp_path: Path) -> None:
    with served("--root", str(_workspace(tmp_path, SEEDED))) as server:
        with server.client() as http:
            _rest_seeds_read_list_change_and_delete_per_session(http)
            _soap_seeds_read_list_change_and_delete_per_session(http)
            _graphql_seeds_read_list_and_delete_per_session(http)
        assert_no_traceback(server)
