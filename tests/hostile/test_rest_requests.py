"""Hostile requests to the REST (OpenAPI) mock, through a real ``ctk serve``.

Each class of input the issue reported: a small body with thousands of invalid keys (every error
once kept a copy of the whole object: memory grew with the square of the keys), form and multipart
bodies that took quadratic time, and client mistakes answered as "a bug in ctk" (deep nesting, lone
surrogates, numbers past Python's limits). Each must be a 4xx in problem+json naming the place, cost
bounded memory, leave the server answering, and write no traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.support.paths import REPO
from tests.support.served import MIB, Served, assert_no_traceback, served
from toolkit.limits import DEFAULT_LIMITS

CONTRACT = REPO / "tests" / "data" / "mock" / "hostile_rest.yaml"
GROWTH = 200 * MIB  # peak memory a hostile request may add over the server's warm baseline
LIMITS = DEFAULT_LIMITS
KEY = {"x-api-key": "sk_test_1"}  # the payments API asks for credentials


@dataclass
class Mock:
    server: Served
    baseline: int  # peak RSS after warm-up requests

    def post(self, path: str, body: bytes, content_type: str, **headers: str) -> httpx.Response:
        with self.server.client() as client:
            return client.post(path, content=body, headers={"content-type": content_type, **headers})

    def get(self, path: str, **headers: str | bytes) -> httpx.Response:
        with self.server.client() as client:
            return client.get(path, headers=headers)

    def assert_healthy(self) -> None:
        """Bounded memory, still answering a normal request, no traceback in the log."""
        grown = self.server.peak_rss() - self.baseline
        assert grown < GROWTH, f"peak RSS grew by {grown / MIB:.0f} MiB"
        normal = self.post("/things", b'{"name": "ok"}', "application/json")
        assert normal.status_code == 201, normal.text
        assert_no_traceback(self.server)


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    with served(str(CONTRACT)) as server:
        warm = Mock(server, 0)
        assert warm.post("/things", b'{"name": "warm", "labels": {"a": "b"}}', "application/json").status_code == 201
        assert warm.get("/things/t1?count=2").status_code == 200
        yield Mock(server, server.peak_rss())


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    assert len(response.content) < 64 * 1024  # an error answer stays small whatever the request
    body = response.json()
    assert isinstance(body, dict)
    return body


def details(body: dict[str, object]) -> str:
    errors = body.get("errors")
    assert isinstance(errors, list)
    return " ".join(str(error.get("detail")) for error in errors)


# -- many violations: capped list, linear memory ------------------------------------------------------


def test_many_invalid_keys_list_max_violations_then_and_n_more(mock: Mock) -> None:
    tags = {f"Tag-{index:05d}": "x" for index in range(400)}  # outside propertyNames: 400 violations
    body = json.dumps({"tags": tags}).encode()
    assert len(body) <= LIMITS.max_violation_scan  # small enough to be searched for every violation
    answer = problem(mock.post("/things", body, "application/json"), 400)
    errors = answer["errors"]
    assert isinstance(errors, list)
    assert len(errors) == LIMITS.max_violations + 1
    marker = errors[-1]
    assert marker["detail"] == f"and {marker['more']} more" and marker["more"] >= 400 - LIMITS.max_violations
    assert f"the first {LIMITS.max_violations} listed" in str(answer["detail"])
    assert all(error["in"] == "body" for error in errors[:-1])
    mock.assert_healthy()


@pytest.mark.parametrize("keyword", ["labels", "tags"])  # additionalProperties/patternProperties, propertyNames
def test_thousands_of_invalid_keys_cost_bounded_memory(mock: Mock, keyword: str) -> None:
    # 2 000 keys: ~60 KB. Each error once carried a copy of the whole object: over 1 GB for this body.
    keys = {f"Key-{index:05d}-" + "k" * 16: "v" for index in range(2000)}
    body = json.dumps({keyword: keys}).encode()
    answer = problem(mock.post("/things", body, "application/json"), 400)
    errors = answer["errors"]
    assert isinstance(errors, list) and 1 <= len(errors) <= LIMITS.max_violations + 1
    assert "possibly more" in str(errors[-1]["detail"])  # over max_violation_scan: the first is listed
    assert all(len(str(error["detail"])) <= LIMITS.max_echo_length + 40 for error in errors)
    mock.assert_healthy()


# -- quadratic parsing: form, multipart, query -------------------------------------------------------


def test_form_repeating_one_key_is_refused_at_max_form_fields(mock: Mock) -> None:
    body = b"&".join([b"name=x"] * 300_000)  # 2 MB; appending to a copied list per repeat was quadratic
    answer = problem(mock.post("/things", body, "application/x-www-form-urlencoded"), 413)
    assert "max_form_fields" in details(answer)
    allowed = b"&".join([b"tags[a]=x"] * (LIMITS.max_form_fields - 1)) + b"&name=ok"
    assert mock.post("/things", allowed, "application/x-www-form-urlencoded").status_code == 201
    mock.assert_healthy()


def test_multipart_with_many_parts_is_refused_at_max_multipart_parts(mock: Mock) -> None:
    boundary = "hostileboundary"
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n'
    body = (part * 20_000 + f"--{boundary}--\r\n").encode()
    answer = problem(mock.post("/things", body, f"multipart/form-data; boundary={boundary}"), 413)
    assert "max_multipart_parts" in details(answer)
    one = (part + f"--{boundary}--\r\n").encode()
    assert mock.post("/things", one, f"multipart/form-data; boundary={boundary}").status_code == 201
    mock.assert_healthy()


def test_multipart_part_of_many_short_lines_and_a_long_disposition(mock: Mock) -> None:
    boundary = "b0undary"
    disposition = 'form-data; name="extra' + ";" * 60_000  # the email parser's parameter split was quadratic
    lines = "x\r\n" * 1_000_000
    body = (
        f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\nx\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n{lines}\r\n--{boundary}--\r\n'
    ).encode()
    answer = problem(mock.post("/things", body, f"multipart/form-data; boundary={boundary}"), 400)
    assert "/name" in json.dumps(answer)  # read whole, then judged: the name is too long
    mock.assert_healthy()


def test_query_string_with_too_many_fields_is_414(mock: Mock) -> None:
    query = "&".join(["count=1"] * (LIMITS.max_form_fields + 1))
    answer = problem(mock.get(f"/things/t1?{query}"), 414)  # a part over its size limit, as a form's 413
    assert "max_form_fields" in details(answer)
    mock.assert_healthy()


# -- client mistakes are 4xx, never "a bug in ctk" ---------------------------------------------------

DEEP = 100_000

JSON_MISTAKES = {
    "deep array": (b'{"extra": ' + b"[" * DEEP + b"]" * DEEP + b"}", "max_nesting"),
    "deep object": (b'{"extra": ' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}", "max_nesting"),
    "unclosed brackets": (b'{"extra": ' + b"[" * DEEP, "max_nesting"),
    "lone surrogate": (b'{"name": "\\ud800"}', "surrogate"),
    "lone surrogate key": (b'{"tags": {"\\udfff": "x"}}', "surrogate"),
    "NaN": (b'{"ratio": NaN}', "NaN"),
    "overflowing float": (b'{"ratio": 1e999}', "out of range"),
    "5000-digit integer": (b'{"count": ' + b"9" * 5000 + b"}", "digits"),
}


@pytest.mark.parametrize("name", list(JSON_MISTAKES))
def test_json_body_mistakes_are_400_naming_the_problem(mock: Mock, name: str) -> None:
    body, expected = JSON_MISTAKES[name]
    answer = problem(mock.post("/things", body, "application/json"), 400)
    assert expected in details(answer)
    assert "bug in ctk" not in json.dumps(answer)
    mock.assert_healthy()


def test_deep_form_brackets_are_400(mock: Mock) -> None:
    body = ("extra" + "[a]" * 5000 + "=1").encode()
    answer = problem(mock.post("/things", body, "application/x-www-form-urlencoded"), 400)
    assert "max_nesting" in details(answer)
    query = "filter" + "[a]" * 3000 + "=1"
    answer = problem(mock.get(f"/things/t1?{query}"), 400)
    assert "max_nesting" in details(answer)
    mock.assert_healthy()


def test_deep_json_in_a_multipart_part_is_text_not_a_crash(mock: Mock) -> None:
    boundary = "jsonpart"
    deep = "[" * DEEP + "]" * DEEP
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="extra"\r\nContent-Type: application/json\r\n\r\n'
        f"{deep}\r\n--{boundary}--\r\n"
    ).encode()
    assert mock.post("/things", body, f"multipart/form-data; boundary={boundary}").status_code == 201
    mock.assert_healthy()


@pytest.mark.parametrize(
    "path",
    [
        "/things/t1?count=" + "9" * 5000,  # past Python's integer-digit limit
        "/things/t1?count=1e999",
        "/things/t1?count=%ff%fe",
    ],
)
def test_parameter_mistakes_are_400(mock: Mock, path: str) -> None:
    answer = problem(mock.get(path), 400)
    assert "count" in json.dumps(answer)
    mock.assert_healthy()


def test_invalid_utf8_in_path_and_headers_is_answered(mock: Mock) -> None:
    assert mock.get("/things/%ff%fe%80").status_code == 200  # decoded with U+FFFD, a string id
    assert mock.get("/things/t1", prefer=b"code=\xff\xfe", accept=b"\xff").status_code in (200, 406)
    mock.assert_healthy()


def test_a_long_path_id_is_not_echoed(mock: Mock) -> None:
    long_id = "i" * 20_000
    with mock.server.client() as client:
        answer = client.get(f"/things/{long_id}")
    assert answer.status_code == 200
    assert len(answer.content) < 4096 and long_id not in answer.text  # generated, not repeated
    short = mock.get("/things/t-42").json()
    assert short["id"] == "t-42"  # a value within max_echo_length still is
    mock.assert_healthy()


def test_a_404_does_not_repeat_a_huge_path(mock: Mock) -> None:
    answer = problem(mock.get("/nowhere/" + "n" * 30_000), 404)
    assert "characters)" in str(answer["detail"])
    mock.assert_healthy()


# -- the example workspace: payments' Prefer, its own 400, and the admin endpoints ---------------------


SEEDED = "cus_9s6XKzkNRiz8i3"  # the retrieveCustomer example's id in contracts/payments/v1


def test_prefer_code_with_thousands_of_digits_is_ignored(workspace_server: Served) -> None:
    with workspace_server.client(headers=KEY) as client:
        # the workspace's payments keeps state: a customer its examples name exists in every session
        answer = client.get(f"/payments/customers/{SEEDED}", headers={"prefer": "code=" + "9" * 5000})
        assert answer.status_code == 200
        unicode_digits = client.get(f"/payments/customers/{SEEDED}", headers={"prefer": "code=٤٠٤".encode()})
        assert unicode_digits.status_code == 200  # "٤٠٤" is decimal to Python, not a status code
    assert_no_traceback(workspace_server)


def test_payments_own_error_form_keeps_the_cap(workspace_server: Served) -> None:
    metadata = {"k" * 45 + str(index): "v" for index in range(250)}  # keys over propertyNames' maxLength
    with workspace_server.client(headers=KEY) as client:
        answer = client.post("/payments/customers", json={"metadata": metadata})
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert len(errors) == LIMITS.max_violations + 1 and errors[-1]["detail"].startswith("and ")
    assert_no_traceback(workspace_server)


def test_admin_endpoint_with_deep_json_is_400(workspace_server: Served) -> None:
    with workspace_server.client() as client:
        answer = client.post("/__ctk/webhooks/payment.succeeded", content=b"[" * DEEP)
        assert answer.status_code == 400, answer.text
        assert "max_nesting" in answer.json()["detail"]
        assert client.get("/__ctk/health").status_code == 200
    assert_no_traceback(workspace_server)


def test_limits_given_to_ctk_serve_reach_the_rest_mock() -> None:
    with served(str(CONTRACT), "--limit", "max_violations=3", "--limit", "max_form_fields=10") as server:
        with server.client() as client:
            tags = {f"Tag{index}": "x" for index in range(10)}
            errors = client.post("/things", json={"tags": tags}).json()["errors"]
            assert len(errors) == 4 and errors[-1]["detail"] == "and 7 more"
            form = {"content-type": "application/x-www-form-urlencoded"}
            assert client.post("/things", content=b"&".join([b"a=1"] * 11), headers=form).status_code == 413
        assert_no_traceback(server)
