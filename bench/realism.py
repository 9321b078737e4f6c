"""Realism, not validity: how often the mocks leave out or null a field a person expects filled.

Over the workspace contracts (contracts/) and the shared corpus (../shared/corpus, skipped with a message
when absent), for each protocol:

- OpenAPI: every named schema (``components/schemas``, ``definitions``) drawn ``--draws`` times in the
  response direction; among the properties the contract declares nullable (``nullable``, a ``null`` type,
  a ``null`` branch), the share of nulls, grouped by the family of the name (name, email, phone,
  address, amount, currency, date; ``other`` for the rest);
- SOAP: every global element drawn; among the child elements an element has in some draws, the share of
  draws of that parent where the child is missing or ``xsi:nil``, grouped the same way;
- GraphQL: each root query field returning an object, its scalar fields selected, answered by the mock
  under ``--draws`` seeds; the share of nulls among the nullable fields.

Then one sample body per protocol (the workspace's customer, account and product).

    python bench/realism.py [--draws 10] [--no-corpus]

Works on an older commit too (``git worktree add /tmp/old REV && PYTHONPATH=/tmp/old python
bench/realism.py``): it reads names with its own table, not the toolkit's.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from toolkit.exchange import Request
from toolkit.load import load_contract

try:
    from toolkit import compile_mock  # type: ignore[attr-defined]
except ImportError:  # older commits
    from toolkit.mock import compile_mock  # type: ignore[attr-defined,no-redef]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
KINDS = ("name", "email", "phone", "address", "amount", "currency", "date", "other")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_ADDRESS = {"address", "line1", "line2", "line_1", "line_2", "address1", "address2", "address_line1",
            "address_line2", "street", "street_address", "city", "town", "postal_code", "postcode", "zip",
            "zip_code", "zipcode", "country", "country_code"}  # fmt: skip
_NAMES = {"name", "full_name", "display_name", "first_name", "last_name", "firstname", "lastname", "given_name",
          "family_name", "surname", "company_name", "customer_name", "contact_name", "billing_name"}  # fmt: skip
_MAX_SCHEMAS = 150  # per contract: enough to see the pattern, small enough to run in a minute


def kind(name: str) -> str:
    """The family of a field name (the bench's own table, so it can judge older commits too)."""
    key = _CAMEL.sub("_", name).replace("-", "_").lower()
    last, first = key.rsplit("_", 1)[-1], key.split("_", 1)[0]
    if key in _NAMES or key.endswith(("_first_name", "_last_name")):
        return "name"
    if last == "email" or key == "email_address":
        return "email"
    if last in ("phone", "mobile", "telephone") or key.endswith("phone_number"):
        return "phone"
    if key in _ADDRESS or last in ("city", "country") or key.endswith(("_line1", "_line2", "postal_code")):
        return "address"
    if last == "currency" or key == "currency_code":
        return "currency"
    if first == "amount" or last in ("amount", "price", "total", "balance"):
        return "amount"
    if key in ("created", "updated", "modified", "date", "timestamp") or first in ("created", "updated"):
        return "date"
    if key.endswith("_date"):
        return "date"
    return "other"


class Tally:
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.null: Counter[str] = Counter()

    def add(self, name: str, is_null: bool) -> None:
        family = kind(name)
        self.seen[family] += 1
        self.null[family] += is_null

    def row(self, label: str) -> str:
        cells = []
        for family in KINDS:
            seen = self.seen[family]
            cells.append(f"{100 * self.null[family] / seen:5.1f}%" if seen else "    - ")
        total = sum(self.seen.values())
        overall = f"{100 * sum(self.null.values()) / total:5.1f}%" if total else "    - "
        return f"{label:<44.44} " + " ".join(f"{cell:>8}" for cell in cells) + f" {overall:>8} {total:>7}"


def header() -> str:
    return f"{'contract':<44} " + " ".join(f"{family:>8}" for family in KINDS) + f" {'all':>8} {'fields':>7}"


# -- OpenAPI ---------------------------------------------------------------------------------------------
def _nullable_names(document: Any) -> set[str]:
    names: set[str] = set()
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            properties = item.get("properties")
            if isinstance(properties, dict):
                names.update(prop for prop, schema in properties.items() if _allows_null(schema))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names


def _allows_null(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    if schema.get("nullable") is True or schema.get("x-nullable") is True:
        return True
    types = schema.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types):
        return True
    branches = [*(schema.get("anyOf") or ()), *(schema.get("oneOf") or ())]
    return any(isinstance(branch, dict) and branch.get("type") == "null" for branch in branches)


def _walk(value: Any, nullable: set[str], tally: Tally) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in nullable:
                tally.add(key, item is None)
            _walk(item, nullable, tally)
    elif isinstance(value, list):
        for item in value:
            _walk(item, nullable, tally)


def openapi_tally(path: Path, draws: int) -> Tally:
    from toolkit.openapi.generate.generator import Generators
    from toolkit.openapi.jsonschema import SchemaValidators

    contract: Any = load_contract(path)
    document = contract.document
    nullable = _nullable_names(document)
    validators = SchemaValidators(contract)
    generators = Generators(contract, validators, seed=1)
    named = (document.get("components") or {}).get("schemas") or document.get("definitions") or {}
    base = "/components/schemas/" if "components" in document else "/definitions/"
    tally = Tally()
    for name in list(named)[:_MAX_SCHEMAS]:
        pointer = base + name.replace("~", "~0").replace("/", "~1")
        try:
            generator = generators.generator(named[name], f"{contract.resolver.root_uri}#{pointer}", "response")
            rng = random.Random(name)
            for _ in range(draws):
                _walk(generator.generate(rng), nullable, tally)
        except Exception:  # noqa: BLE001 - a schema the generator refuses says nothing about realism
            continue
    return tally


# -- SOAP ------------------------------------------------------------------------------------------------
def soap_tally(path: Path, draws: int) -> Tally:
    from toolkit.soap.generate.generator import XsdGenerator

    contract: Any = load_contract(path)
    generator = XsdGenerator(contract.definitions, seed=1)
    tally = Tally()
    for name in generator.names[:_MAX_SCHEMAS]:
        parents: Counter[str] = Counter()
        children: dict[str, Counter[str]] = {}
        nils: Counter[tuple[str, str]] = Counter()
        rng = random.Random(name)
        for _ in range(draws):
            try:
                root = generator.element(name, rng)
            except Exception:  # noqa: BLE001 - an element the generator refuses says nothing about realism
                break
            for element in root.iter():
                if not isinstance(element.tag, str):
                    continue
                parents[element.tag] += 1
                seen = children.setdefault(element.tag, Counter())
                for child in {child.tag for child in element if isinstance(child.tag, str)}:
                    seen[child] += 1
                for child in element:
                    if isinstance(child.tag, str) and child.get("{http://www.w3.org/2001/XMLSchema-instance}nil"):
                        nils[(element.tag, child.tag)] += 1
        for parent, seen in children.items():
            for child, present in seen.items():
                local = etree.QName(child).localname
                missing = parents[parent] - present + nils[(parent, child)]
                for index in range(parents[parent]):
                    tally.add(local, index < missing)
    return tally


# -- GraphQL ---------------------------------------------------------------------------------------------
def _unwrap(type_: Any) -> Any:
    while hasattr(type_, "of_type"):
        type_ = type_.of_type
    return type_


def _literal(type_: Any) -> str | None:
    from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLScalarType

    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values), None)
    if isinstance(inner, GraphQLScalarType):
        return {"Int": "1", "Float": "1.5", "Boolean": "true"}.get(inner.name, '"1"')
    return None


def _queries(schema: Any) -> Iterator[tuple[str, str]]:
    from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType

    query = schema.query_type
    if query is None:
        return
    for name, field in query.fields.items():
        target = _unwrap(field.type)
        if not isinstance(target, GraphQLObjectType):
            continue
        args = []
        for arg_name, arg in field.args.items():
            if isinstance(arg.type, GraphQLNonNull) and arg.default_value is None:
                literal = _literal(arg.type)
                if literal is None:
                    break
                args.append(f"{arg_name}: {literal}")
        else:
            scalars = [
                sub for sub, item in target.fields.items()
                if isinstance(_unwrap(item.type), (GraphQLScalarType, GraphQLEnumType))
                and not any(isinstance(a.type, GraphQLNonNull) for a in item.args.values())
            ]  # fmt: skip
            if scalars:
                call = f"{name}({', '.join(args)})" if args else name
                yield target.name, "{ " + call + " { " + " ".join(scalars) + " } }"


def graphql_tally(path: Path, draws: int) -> Tally:
    from graphql import GraphQLNonNull

    contract: Any = load_contract(path)
    schema = contract.schema
    tally = Tally()
    queries = list(_queries(schema))[:_MAX_SCHEMAS]
    for seed in range(draws):
        mock = compile_mock(contract, seed=seed, mount="/g")
        for type_name, text in queries:
            body = json.dumps({"query": text}).encode()
            answer = mock(Request("POST", "/g", "", (("content-type", "application/json"),), body))
            try:
                data = json.loads(answer.response.body).get("data") or {}
            except ValueError:
                continue
            nullable = {
                name for name, field in schema.type_map[type_name].fields.items()
                if not isinstance(field.type, GraphQLNonNull)
            }  # fmt: skip
            for value in data.values():
                _walk(value, nullable, tally)
    return tally


# -- the run ---------------------------------------------------------------------------------------------
def contracts(use_corpus: bool) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {
        "openapi": [ROOT / "contracts" / "payments" / "v1"],
        "soap": [ROOT / "contracts" / "crm" / "v1" / "crm.wsdl"],
        "graphql": [ROOT / "contracts" / "inventory" / "v1"],
    }
    if not use_corpus:
        return found
    if not CORPUS.is_dir():
        print(f"corpus: {CORPUS} is absent; the workspace contracts only\n")
        return found
    found["openapi"] += sorted(p for p in (CORPUS / "openapi").iterdir() if p.suffix in (".json", ".yaml"))
    found["soap"] += sorted((CORPUS / "wsdl").rglob("*.wsdl"))[:25]
    found["graphql"] += sorted(p for p in (CORPUS / "graphql").iterdir() if p.is_file())
    return found


def samples() -> None:
    rest = compile_mock(load_contract(ROOT / "contracts" / "payments" / "v1"), seed=1, mount="/payments")
    headers = (("x-api-key", "sk_test_realism"), ("accept", "application/json"))
    print("-- OpenAPI: GET /payments/customers/cus_1 and /payments/charges/ch_1")
    for path in ("/payments/customers/cus_1", "/payments/charges/ch_1"):
        answer = rest(Request("GET", path, "", headers))
        print(json.dumps(json.loads(answer.response.body), indent=1)[:1500])
    soap = compile_mock(load_contract(ROOT / "contracts" / "crm" / "v1" / "crm.wsdl"), seed=1, mount="/crm")
    envelope = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<GetAccountRequest xmlns="urn:example:crm:types"><id>001A00000000000001</id></GetAccountRequest>'
        "</soap:Body></soap:Envelope>"
    )
    soap_headers = (("content-type", "text/xml; charset=utf-8"), ("soapaction", '"urn:example:crm/GetAccount"'))
    answer = soap(Request("POST", "/crm", "", soap_headers, envelope.encode()))
    print("-- SOAP: GetAccount")
    print(etree.tostring(etree.fromstring(answer.response.body), pretty_print=True).decode()[:1500])
    graphql = compile_mock(load_contract(ROOT / "contracts" / "inventory" / "v1"), seed=1, mount="/inventory")
    query = 'query { product(id: "1") { id sku name price status tags createdAt } }'
    body = json.dumps({"query": query}).encode()
    answer = graphql(Request("POST", "/inventory", "", (("content-type", "application/json"),), body))
    print("-- GraphQL: product")
    print(json.dumps(json.loads(answer.response.body), indent=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--no-corpus", action="store_true")
    parser.add_argument("--no-samples", action="store_true")
    args = parser.parse_args()
    tallies = {"openapi": openapi_tally, "soap": soap_tally, "graphql": graphql_tally}
    for protocol, paths in contracts(not args.no_corpus).items():
        print(f"== {protocol}: share of nulls (or missing optional elements) in fields that may be null")
        print(header())
        total = Tally()
        for path in paths:
            try:
                tally = tallies[protocol](path, args.draws)
            except Exception as error:  # noqa: BLE001 - a contract this commit cannot load: say so, go on
                print(f"{path.name:<44.44} skipped: {type(error).__name__}: {str(error)[:60]}")
                continue
            for family in KINDS:
                total.seen[family] += tally.seen[family]
                total.null[family] += tally.null[family]
            print(tally.row(path.relative_to(ROOT.parent).as_posix()[-44:]))
        print(total.row("ALL"))
        print()
    if not args.no_samples:
        samples()
    return 0


if __name__ == "__main__":
    sys.exit(main())
