"""Every contract of the shared corpus loads and lists its operations, or is refused clearly.

The few refusals are the files SOURCES.md marks as not loadable (fixture data, a parse-only
SDL, a WSDL whose include is a remote URL), plus oracle samples whose shared schema folder is
not part of the public corpus. Operation counts are checked against counts taken independently
from the raw documents.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from lxml import etree

from tests.support.corpus import CONTRACTS, EXPECTED_REFUSALS, ORACLE_WSDLS, corpus, corpus_mirrors
from toolkit import load_contract
from toolkit.errors import UnresolvedReferenceError


@pytest.mark.parametrize("relative", CONTRACTS)
def test_corpus_contract_loads_or_is_refused_clearly(relative: str) -> None:
    path = corpus(relative)
    expected_refusal = EXPECTED_REFUSALS.get(relative)
    if expected_refusal is not None:
        with pytest.raises(expected_refusal) as refused:
            load_contract(path)
        assert path.name in str(refused.value), "the refusal must name the file"
        return
    contract = load_contract(path, mirrors=corpus_mirrors(relative))
    assert contract.title
    ids = [operation.id for operation in contract.operations]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    for operation in contract.operations:
        assert operation.name and operation.id


@pytest.mark.parametrize("relative", ORACLE_WSDLS)
def test_oracle_sample_wsdls_load_or_name_the_missing_file(relative: str) -> None:
    path = corpus(relative)
    try:
        contract = load_contract(path)
    except UnresolvedReferenceError as exc:
        # Some samples import ../platform/*.xsd, a folder the public corpus does not include.
        assert "does not exist" in exc.message and exc.where
        return
    assert contract.protocol == "soap"


# --- independent counts -----------------------------------------------------------------------

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _raw_openapi_count(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    document = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=yaml.CSafeLoader)
    return sum(1 for item in document.get("paths", {}).values() for method in item if method in HTTP_METHODS)


@pytest.mark.parametrize(
    "relative",
    [
        "openapi/kubernetes-swagger.json",
        "openapi/twilio_api_v2010.json",
        "openapi/stripe-spec3-2019-09-27.yaml",
        "openapi/docker-engine-v1.41-swagger.yaml",
        "openapi/vercel-0.0.1.json",
    ],
)
def test_openapi_operation_count_matches_paths_times_methods(relative: str) -> None:
    path = corpus(relative)
    contract = load_contract(path)
    assert len(contract.operations) == _raw_openapi_count(path) > 0


def test_known_published_operation_counts() -> None:
    # SOURCES.md states these counts for the files.
    assert len(load_contract(corpus("openapi", "kubernetes-swagger.json")).operations) == 531
    assert len(load_contract(corpus("openapi", "twilio_api_v2010.json")).operations) == 197
    assert len(load_contract(corpus("wsdl", "savon", "crowd.wsdl")).operations) == 47


WSDL_NS = {"w": "http://schemas.xmlsoap.org/wsdl/"}


def _raw_wsdl_count(path: Path) -> int:
    """services × ports × operations of each port's binding, straight from the XML."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    bindings = {b.get("name"): b for b in root.findall("w:binding", WSDL_NS)}
    total = 0
    for port in root.findall("w:service/w:port", WSDL_NS):
        binding = bindings.get(port.get("binding", "").rpartition(":")[2])
        total += len(binding.findall("w:operation", WSDL_NS)) if binding is not None else 0
    return total


@pytest.mark.parametrize(
    "relative",
    [
        "wsdl/savon/temperature.wsdl",
        "wsdl/savon/crowd.wsdl",
        "wsdl/gowsdl/mnb-exchange.wsdl",
        "wsdl/node-soap/list_parameter.wsdl",
        "wsdl/node-soap/multi-service.wsdl",
        "wsdl/savon/iws.wsdl",
    ],
)
def test_wsdl_operation_count_matches_ports_times_binding_operations(relative: str) -> None:
    path = corpus(relative)
    assert len(load_contract(path).operations) == _raw_wsdl_count(path) > 0


def test_soap_11_and_12_ports_are_listed_separately() -> None:
    contract = load_contract(corpus("wsdl", "savon", "temperature.wsdl"))
    versions = {getattr(op, "soap_version", None) for op in contract.operations}
    assert {"1.1", "1.2"} <= versions


def _raw_introspection_count(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    schema = data.get("data", data)["__schema"]
    roots = {(schema.get(key) or {}).get("name") for key in ("queryType", "mutationType", "subscriptionType")} - {None}
    return sum(len(t["fields"] or []) for t in schema["types"] if t["name"] in roots)


@pytest.mark.parametrize(
    "relative", ["graphql/swapi_introspection.json", "graphql/yelp_introspection.json", "graphql/anilist.co.json"]
)
def test_graphql_introspection_operation_count(relative: str) -> None:
    path = corpus(relative)
    assert len(load_contract(path).operations) == _raw_introspection_count(path) > 0


def test_graphql_sdl_operation_count() -> None:
    from graphql import parse

    path = corpus("graphql", "github_schema.graphql")
    document = parse(path.read_text(encoding="utf-8"))
    raw = sum(
        len(definition.fields or [])
        for definition in document.definitions
        if getattr(getattr(definition, "name", None), "value", None) in ("Query", "Mutation", "Subscription")
    )
    assert len(load_contract(path).operations) == raw > 0
