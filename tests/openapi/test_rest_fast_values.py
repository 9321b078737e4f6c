"""The uncached REST path's speed-ups (issue 18) draw the same numbers and give the same values and bytes as before.

Values are pinned as digests, computed with the code as it was before the speed-ups (``python -m
tests.openapi.test_rest_fast_values`` prints them; run it on that commit's tree to compare): for every component
schema of the corpus contracts and the workspace's, both directions, several seeds and depths, the compiled
generator's value (or the error it gives up with), and the whole ``generate`` with an echoed member; for the
workspace's payments API, the bytes, status and headers of answers to varied requests (new ids, lists with
``limit``, ``Prefer`` codes and examples, refusals). A speed-up that changes what a seed gives fails here; a change
meant to alter values updates these digests and says so in the changelog.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from typing import Any

import pytest

from tests.support.generation import CONTRACTS, contract_path, schema_engines
from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.exchange import Request

SEEDS = range(4)
DEPTHS = (0, 2)

# Digests of the code before the speed-ups (commit 731449f; the answers also at c2d82c6, before the handler's
# memo went), per CONTRACTS entry (by ``_short``); see the module's docstring.
VALUES: dict[str, str] = {
    'adyen-BalancePlatformReportNotification-v1.json': (
        'a0eeb4e2f073a14e269e864ea534f194b78161c686ac566af8def18c3956ea66'
    ),
    'codat-commerce-2.1.0.json': '771f717d43285130b8eafcf17422fa4b9cfa2393dcff1f938d919b531c80c6d6',
    'docker-engine-v1.41-swagger.yaml': 'c42c1ea515e4cf650c0be354109ac548679805c307b5eac792767c7428193eb6',
    'kubernetes-swagger.json': '49827f2191075fcf4061b3be3c21f42c0d9591b90f31f4cc163e170fd4751860',
    'ms-cognitive-search-swagger.json': 'b4e6b72e267b457c0830d61e68f58b6d629f7358950c35b14400dc6a693abf06',
    'stripe-spec3-2019-09-27.yaml': '5485b8e1eed41949692cf3539db7617127105ce7ca7ddf3e958428b8bbdbec87',
    'twilio_api_v2010.json': '69ed9cf425256b650e114a037233e1bb480403bfa592922bcb3360461d3865f9',
    'twilio_chat_v3.yaml': '6c234827dab04686b48511b8ca4898dd26dc9bd7b087edeeaad9369f27c361b9',
    'vercel-0.0.1.json': '1cdcdb404d97d112138a41f16667091ded805ba27e763fb4089f19a568230c01',
    'prism-callbacks/payment-service.oas3.yaml': 'e044fe9f3bf0642811bce923ba72fc3d5c59da88373c2843737b5de9513ec92b',
    'multifile-relative-refs/main.yaml': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'payments/v1/openapi.yaml': '7c20aba9b7d5167f25c110ace0a2ba2d0a3ac9064e3b45f77178caadd0186b78',
    'payments/v2/openapi.yaml': 'fb9b37616d99e9b66426242586d33bb2d2488a2f33031cf7ea0dcda0ee92b481',
}  # fmt: skip
ANSWERS = "13b3a902a9740bcdfe4c551a74e3f33d912df8d94d47f115b8e3c8da18736f66"


def _short(entry: str) -> str:
    return entry.removeprefix("openapi/").removeprefix("workspace:contracts/")


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=repr)


def values_digest(entry: str) -> str:
    """Every component schema's generated values for ``entry``, in one digest."""
    _, engines = schema_engines(str(contract_path(entry)))
    digest = hashlib.sha256()
    for name, direction, generator, _ in engines:
        digest.update(f"{name} {direction}\n".encode())
        for seed in SEEDS:
            for depth in DEPTHS:
                rng = random.Random(seed)
                try:
                    digest.update(_shown(generator._root(rng, depth)).encode())
                except Exception as error:  # noqa: BLE001 - giving up is part of what a seed gives
                    digest.update(type(error).__name__.encode())
                digest.update(str(rng.random()).encode())  # the draws after the value too
            rng = random.Random(seed + 100)
            try:
                digest.update(_shown(generator.generate(rng, overrides={"id": f"x_{seed}"})).encode())
            except Exception as error:  # noqa: BLE001
                digest.update(type(error).__name__.encode())
    return digest.hexdigest()


PAYMENTS_HEADERS = (("x-api-key", "sk_test_bench"), ("accept", "application/json"))


def _requests() -> list[tuple[str, str, str, tuple[tuple[str, str], ...], bytes]]:
    made: list[tuple[str, str, str, tuple[tuple[str, str], ...], bytes]] = []
    for n in range(40):
        made.append(("GET", f"/payments/customers/cus_{n}A{n * 7}", "", PAYMENTS_HEADERS, b""))
        made.append(("GET", f"/payments/payment_intents/pi_{n}", "", PAYMENTS_HEADERS, b""))
        made.append(("GET", f"/payments/charges/ch_{n}", "", PAYMENTS_HEADERS, b""))
    for limit in ("1", "3", "10", "25"):
        made.append(("GET", "/payments/customers", f"limit={limit}", PAYMENTS_HEADERS, b""))
        made.append(("GET", "/payments/payment_intents", f"limit={limit}", PAYMENTS_HEADERS, b""))
    for prefer in ("code=404", "code=429", "dynamic=true", "example=jenny", "code=999"):
        made.append(("GET", "/payments/customers/cus_X1", "", (*PAYMENTS_HEADERS, ("prefer", prefer)), b""))
    json_body = (*PAYMENTS_HEADERS, ("content-type", "application/json"))
    for n in range(10):
        body = json.dumps({"email": f"a{n}@example.com", "name": f"N {n}"}).encode()
        made.append(("POST", "/payments/customers", "", json_body, body))
        made.append(("POST", f"/payments/customers/cus_{n}", "", json_body, body))
    made.append(("POST", "/payments/customers", "", json_body, b"{not json"))
    made.append(("GET", "/payments/customers/not-an-id!", "", PAYMENTS_HEADERS, b""))
    made.append(("GET", "/payments/customers/cus_1", "", (("accept", "application/json"),), b""))
    made.append(("GET", "/payments/customers/cus_1", "", (*PAYMENTS_HEADERS[:1], ("accept", "text/csv")), b""))
    made.append(("HEAD", "/payments/customers/cus_2", "", PAYMENTS_HEADERS, b""))
    made.append(("DELETE", "/payments/customers/cus_3", "", PAYMENTS_HEADERS, b""))
    made.append(("PATCH", "/payments/customers/cus_3", "", PAYMENTS_HEADERS, b""))
    made.append(("GET", "/payments/nowhere", "", PAYMENTS_HEADERS, b""))
    return made


def answers_digest() -> str:
    """The payments API's answers to ``_requests()``: status, headers and body bytes, in one digest."""
    digest = hashlib.sha256()
    for version in ("v1", "v2"):
        mock = compile_mock(load_contract(REPO / "contracts" / "payments" / version), seed=1, mount="/payments")
        for method, path, query, headers, body in _requests():
            response = mock(Request(method, path, query, headers, body)).response
            digest.update(f"{response.status} {response.headers!r}\n".encode())
            digest.update(response.body)
    return digest.hexdigest()


@pytest.mark.parametrize("entry", CONTRACTS, ids=[entry.rsplit("/", 1)[-1] for entry in CONTRACTS])
def test_generated_values_are_what_they_were(entry: str) -> None:
    assert values_digest(entry) == VALUES[_short(entry)]


def test_payments_answers_are_byte_for_byte_what_they_were() -> None:
    assert answers_digest() == ANSWERS


if __name__ == "__main__":  # print the digests of the code in this tree (see the module's docstring)
    chosen = sys.argv[1:] or CONTRACTS
    for item in chosen:
        try:
            print(f"    {_short(item)!r}: {values_digest(item)!r},", flush=True)
        except BaseException as error:  # noqa: BLE001 - an absent corpus skips
            print(f"    # {item}: {type(error).__name__}", flush=True)
    print(f"ANSWERS = {answers_digest()!r}")


def test_a_fitting_example_is_the_first_one_example_fits_accepts() -> None:
    from toolkit.openapi.mock.answers import NO_EXAMPLE, example_fits, fitting_example
    from toolkit.openapi.mock.responses import MediaResponse

    examples = {
        "list": [1, 2],
        "plain": {"name": "x"},
        "a": {"id": "cus_1", "customer_id": "cus_1"},
        "b": {"id": 7, "other": 1},
        "c": {"customer_id": "cus_2", "id": "ch_9"},
    }
    requests: list[dict[str, Any]] = [
        {}, {"id": "cus_1"}, {"id": "7"}, {"id": 7}, {"customer_id": "cus_2"}, {"customer_id": "cus_2", "id": "ch_9"},
        {"customer_id": "cus_1", "id": "ch_9"}, {"name": "x"}, {"id": None}, {"id": "None"},
    ]  # fmt: skip
    for names in [(), ("id",), ("customer_id",), ("customer_id", "charge_id"), ("id", "id")]:
        media = MediaResponse("application/json", None, "#", examples, [])
        for overrides in requests:
            slow = next((e for e in examples.values() if example_fits(e, overrides, names)), NO_EXAMPLE)
            assert fitting_example(media, overrides, names) is slow, (names, overrides)


def test_an_answers_random_stream_is_random_random_of_its_seed() -> None:
    from toolkit.openapi.mock.handler import _seeded

    for seed in [0, 1, 2**32 - 1, 2**32, 2**63 + 5, 2**64 - 1, *range(2, 400, 37)]:
        fast, slow = _seeded(seed), random.Random(seed)
        assert fast.getstate() == slow.getstate()
        assert [fast.random(), fast.getrandbits(7), fast.gauss(0, 1)] == [
            slow.random(),
            slow.getrandbits(7),
            slow.gauss(0, 1),
        ]


ROUTED = [
    "openapi/stripe-spec3-2019-09-27.yaml",
    "openapi/twilio_api_v2010.json",
    "openapi/kubernetes-swagger.json",
    "openapi/docker-engine-v1.41-swagger.yaml",
    "workspace:contracts/payments/v1/openapi.yaml",
]


@pytest.mark.parametrize("entry", ROUTED, ids=[entry.rsplit("/", 1)[-1] for entry in ROUTED])
def test_routing_by_first_segment_matches_what_every_pattern_matches(entry: str) -> None:
    import copy
    import re

    from toolkit.openapi.mock.handler import OpenAPIMock

    contract = load_contract(contract_path(entry))
    router = OpenAPIMock(contract).router  # type: ignore[arg-type]
    slow = copy.copy(router)
    slow._templated = {
        count: [copy.copy(route) for route in routes] for count, routes in router._templated.items()
    }  # fmt: skip
    for routes in slow._templated.values():
        for route in routes:
            route.head = None  # every pattern tried, as before the first segment was looked at
    rng = random.Random(7)
    paths = []
    for template in router._all:
        made = re.sub(r"\{[^{}/]+\}", lambda _: rng.choice(["x1", "a%2Fb", "v1", "-", "{", "%20"]), template)
        paths += [made, made + "/", "/" + made, made.replace("/", "//", 1), made.upper(), "/zz" + made]
        parts = made.split("/")
        if len(parts) > 2:
            parts[1] = rng.choice(["v1", parts[2], "x1", parts[1] + "s"])
            paths.append("/".join(parts))
    for path in paths:
        for method in ("GET", "POST", "DELETE"):
            fast, reference = router.match(router.mount + path, method), slow.match(slow.mount + path, method)
            assert (fast is None) == (reference is None), (path, method)
            if fast is not None and reference is not None:
                assert (fast.template, fast.target, fast.params, fast.allowed) == (
                    reference.template, reference.target, reference.params, reference.allowed
                ), (path, method)  # fmt: skip


def test_a_remembered_negotiation_is_what_negotiate_says_and_stays_bounded() -> None:
    from toolkit.openapi.mock.answers import negotiate
    from toolkit.openapi.mock.responses import _NEGOTIATED, MediaResponse, ResponseSpec

    media = [MediaResponse(kind, None, "#", {}, []) for kind in ("application/json", "text/csv", "application/*")]
    accepts = [None, "", "*/*", "application/json", "text/csv", "text/*", "image/png", "application/xml",
               "text/csv;q=0.5, application/json", "x" * 300, *(f"a/{n}" for n in range(100))]  # fmt: skip
    for offered in (media, media[1:], media[:1], []):
        spec = ResponseSpec("200", 200, offered)
        for _ in range(2):
            for accept in accepts:
                assert spec.negotiated(accept, negotiate) is negotiate(offered, accept), accept
                assert len(spec._negotiated) <= _NEGOTIATED
        assert "x" * 300 not in spec._negotiated


def test_answers_json_text_is_the_json_encoders() -> None:
    from toolkit.openapi.mock.responses import _COMPACT_JSON, _compact_json

    values: list[Any] = [
        None, True, False, 0, -1, 2**70, 0.1, -0.0, 1e16, 1.5e-300, float("nan"), float("inf"), float("-inf"),
        "", "plain", 'quote " backslash \\ / tab \t nl \n', "é ü 中文 \u2028 \u2029 \x00 \x1f 😀",
        [], {}, [1, [2, [3, {"a": None}]]], {"b": 1, "a": [True, "x"], "": {}}, {1: "int key", 2.5: "x", None: 0},
        {"id": "cus_1", "address": {"line1": "1 Main", "line2": None}, "amount": 1050, "rate": 12.25},
    ]  # fmt: skip
    for value in values:
        assert _compact_json(value) == _COMPACT_JSON.encode(value), value
    for wrong in [{"a": object()}, {(1, 2): 3}, {1j}]:
        with pytest.raises(TypeError) as slow:
            _COMPACT_JSON.encode(wrong)
        with pytest.raises(TypeError) as fast:
            _compact_json(wrong)
        assert str(fast.value) == str(slow.value)
    rng = random.Random(5)
    for _ in range(300):  # random trees of JSON values
        assert _compact_json(tree := _tree(rng, 0)) == _COMPACT_JSON.encode(tree)


def _tree(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(7 if depth < 4 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randint(-(2**40), 2**40)
    if kind == 2:
        return rng.uniform(-1e6, 1e6) * rng.choice([1, 1e-12, 1e12])
    if kind in (3, 4):
        return "".join(
            chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 0xD7FF)])) for _ in range(rng.randrange(8))
        )
    if kind == 5:
        return [_tree(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(_tree(rng, 4)): _tree(rng, depth + 1) for _ in range(rng.randrange(4))}
