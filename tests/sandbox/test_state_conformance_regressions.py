"""State-layer bugs found by the conformance runs with state on (``scripts/*_conformance.py --state``).

Each test is the smallest request that shows one bug, in-process (the layer around the mock's envelope, as
``ctk serve --state`` builds it), and names the class of real contracts that shares the shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lxml import etree

from tests.support.files import write_file
from tests.support.paths import REPO
from toolkit import compile_mock
from toolkit.exchange import Request
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.state import state_layer
from toolkit.sandbox.stores import open_store
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.envelope import SOAP12_ENV
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions

CRM = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"


def test_a_soap12_id_never_created_is_a_sender_fault_with_http_400() -> None:
    """SOAP 1.2 part 2, table 20: a Sender fault travels with HTTP 400 (the mock's own Sender faults do, in
    ``soap/mock/faults.fault_response``). Every SOAP 1.2 port of an entity whose read, update or delete declares
    no NotFound-named fault shares the shape (crm's CrmSoap12Port: GetAccount, UpdateAccount, GetContact), so
    ``soap_zeep_conformance.py --state`` fails them where the SOAP 1.1 port passes."""
    contract = load_contract(CRM)
    assert isinstance(contract, SoapContract)
    envelope = MockEnvelope(SoapMock(contract, SoapMockOptions(seed=1)))
    sandbox = SandboxedMock(envelope, [state_layer(envelope, open_store("memory"), api="crm")])
    request = "<c:GetAccountRequest><c:id>001000000000000AAA</c:id></c:GetAccountRequest>"
    body = f'<e:Envelope xmlns:e="{SOAP12_ENV}" xmlns:c="urn:example:crm:types"><e:Body>{request}</e:Body></e:Envelope>'
    headers = (("content-type", "application/soap+xml; charset=utf-8"),)
    result = sandbox(Request("POST", "/soap12/v1", headers=headers, body=body.encode()))
    fault = etree.fromstring(result.response.body).find(f"{{{SOAP12_ENV}}}Body/{{{SOAP12_ENV}}}Fault")
    assert fault is not None
    assert fault.findtext(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Value", "").endswith(":Sender")
    assert result.response.status == 400


# GitHub's shape: a mutation that adds a child to a parent answers the new child as an edge and the parent beside it.
ADD_TO_PARENT = """
interface Node { id: ID! }
type Project implements Node { id: ID! name: String! }
type ProjectColumn implements Node { id: ID! name: String! }
type ProjectColumnEdge { cursor: String! node: ProjectColumn }
input CreateProjectInput { name: String! }
type CreateProjectPayload { project: Project }
input AddProjectColumnInput { projectId: ID! name: String! }
type AddProjectColumnPayload { columnEdge: ProjectColumnEdge project: Project }
type Query { node(id: ID!): Node }
type Mutation {
  createProject(input: CreateProjectInput!): CreateProjectPayload
  addProjectColumn(input: AddProjectColumnInput!): AddProjectColumnPayload
}
"""
ADD_COLUMN = """mutation { addProjectColumn(input: {projectId: "KEY", name: "Todo"}) {
  columnEdge { node { id name } } project { id name } } }"""
READ = '{ node(id: "KEY") { __typename ... on Project { name } } }'
READ_COLUMN = '{ node(id: "KEY") { __typename ... on ProjectColumn { name } } }'


def test_adding_a_child_to_a_parent_does_not_create_another_parent(tmp_path: Path) -> None:
    """``addProjectColumn(input: {projectId, name})`` answers ``{columnEdge {node}, project}``: the column it made
    and the project it was added to. The model reads it as a create of a *Project*, so each call mints the parent
    a new id and stores a phantom Project named after the column. GitHub's SDL has the shape many times
    (addProjectColumn -> Project, addProjectCard -> ProjectColumn); it passes the conformance checker, which
    judges types, not identity."""
    contract = load_contract(str(write_file(tmp_path, "schema.graphql", ADD_TO_PARENT)))
    assert isinstance(contract, GraphQLContract)
    envelope = MockEnvelope(GraphQLMock(contract, GraphQLMockOptions(seed=1)))
    sandbox = SandboxedMock(envelope, [state_layer(envelope, open_store("memory"), api="projects")])

    def post(query: str) -> Any:
        headers = (("content-type", "application/json"), ("accept", "application/json"))
        result = sandbox(Request("POST", "/graphql", headers=headers, body=json.dumps({"query": query}).encode()))
        answer = json.loads(result.response.body)
        assert "errors" not in answer, answer
        return answer["data"]

    project = post('mutation { createProject(input: {name: "Roadmap"}) { project { id name } } }')
    key = project["createProject"]["project"]["id"]
    first = post(ADD_COLUMN.replace("KEY", key))["addProjectColumn"]["project"]
    second = post(ADD_COLUMN.replace("KEY", key))["addProjectColumn"]["project"]
    assert first["id"] == second["id"], "the same request names the same parent: not a new project each time"
    read = post(READ.replace("KEY", second["id"]))["node"]
    assert read is None or read.get("name") != "Todo", f"a phantom project named after the column: {read}"
    # what was created is the column, reached through the edge: it reads back by its id
    added = post(ADD_COLUMN.replace("KEY", key))["addProjectColumn"]["columnEdge"]["node"]
    column = post(READ_COLUMN.replace("KEY", added["id"]))["node"]
    assert column == {"__typename": "ProjectColumn", "name": added["name"]}  # as the add answered it


# A collection/item pair whose item operation documents only its success: what many generated contracts declare.
NO_404 = """
openapi: 3.0.3
info: {title: Things, version: "1"}
servers: [{url: "https://api.example.com/v1"}]
paths:
  /things:
    post:
      requestBody: {content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
  /things/{thing_id}:
    get:
      parameters: [{name: thing_id, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: the thing, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
components:
  schemas:
    Thing: {type: object, required: [id, name], properties: {id: {type: string}, name: {type: string}}}
"""


def test_an_unknown_id_is_never_answered_with_a_status_the_contract_does_not_declare(tmp_path: Path) -> None:
    """``self_conformance.py --state`` on this contract: "ST103 Undocumented status code Received: 404
    Documented: 200" for GET /things/{thing_id}, which passes without state. Every contract whose item
    operations document only their success (no 404, no 4XX, no default) shares the shape; the corpus's stateful
    collections (payments, Stripe, Vercel) all declare a 404 or a default, so the corpus run does not show it."""
    mock = compile_mock(load_contract(write_file(tmp_path, "openapi.yaml", NO_404)), seed=1)
    sandbox = SandboxedMock(mock, [state_layer(mock, open_store("memory"), api="things")])
    answer = sandbox(Request("GET", "/v1/things/thing_never_created", headers=(("accept", "application/json"),)))
    assert answer.response.status == 200, f"HTTP {answer.response.status}: {answer.response.body[:200]!r}"
