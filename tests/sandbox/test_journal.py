"""The journal as a data structure: redaction, filters, the ring's bound, clearing, threads; and the metrics'
counts and text. In-process: the served behaviour is in ``test_journal_served.py``."""

from __future__ import annotations

import threading

import pytest

from toolkit.exchange import Violation
from toolkit.sandbox.admin.journal import Entry, Filter, FilterError, Journal, NearMiss, redact_query
from toolkit.sandbox.admin.metrics import Metrics


def entry(api: str = "payments", session: str = "default", status: int = 200, **more: object) -> Entry:
    return Entry(1_700_000_000.0, session, api, "GET", "/x", "", status, 1.5, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", ""),
        ("limit=2&starting_after=cus_1", "limit=2&starting_after=cus_1"),
        ("api_key=s3cret&limit=2", "api_key=***&limit=2"),
        ("API-KEY=s3cret", "API-KEY=***"),
        ("refresh_token=a&id_token=b&password=c&client_secret=d&signature=e&key=f", "refresh_token=***&id_token=***"
         "&password=***&client_secret=***&signature=***&key=***"),
        ("access%5Ftoken=s3cret", "access%5Ftoken=***"),  # the name decoded before it is judged
        ("stripe_key=1&monkey=2&keyboard=3", "stripe_key=***&monkey=2&keyboard=3"),  # "_key" endings only
        ("flag&token", "flag&token"),  # no value to hide
    ],
)  # fmt: skip
def test_secret_like_query_values_are_redacted(query: str, shown: str) -> None:
    assert redact_query(query) == shown


def test_the_contracts_own_query_key_names_are_redacted_too() -> None:
    assert redact_query("page=abc&hmac=def", frozenset({"hmac"})) == "page=abc&hmac=***"
    assert redact_query("sig=abc") == "sig=***"  # the recorder's short query names count in the journal too


def test_a_long_query_is_cut() -> None:
    assert len(redact_query("a=" + "x" * 10_000)) <= 2049


def test_the_ring_keeps_the_newest_and_ids_keep_counting() -> None:
    journal = Journal(3)
    for number in range(5):
        journal.record(entry(status=200 + number))
    found, total = journal.find(Filter())
    assert total == 3 and [item.id for item in found] == [5, 4, 3]
    assert journal.clear() == 3 and len(journal) == 0
    assert journal.record(entry()).id == 6


def test_filters_select_and_clear_by_api_and_session() -> None:
    journal = Journal(100)
    journal.record(entry("payments", "a", 200, operations=("GET /x",)))
    journal.record(entry("payments", "b", 404, unmatched=True, near=(NearMiss("GET /x", "GET", "/x", "why", 0.1),)))
    journal.record(entry("crm", "a", 500, violations=(Violation("envelope", "bad", pointer="/a"),)))
    assert journal.count(Filter.parse([("status", "4xx")])) == 1
    assert journal.count(Filter.parse([("status", "500")])) == 1
    assert journal.count(Filter.parse([("session", "a")])) == 2
    assert journal.count(Filter.parse([("operation", "GET /x")])) == 1
    assert journal.count(Filter.parse([("unmatched", "true"), ("api", "payments")])) == 1
    assert journal.count(Filter.parse([("since", "1")])) == 2
    assert journal.count(Filter.parse([("since", "2023-11-14T22:13:19Z")])) == 3
    assert journal.count(Filter.parse([("since", "2023-11-14T22:13:21+00:00")])) == 0
    found, total = journal.find(Filter.parse([("limit", "1")]))
    assert total == 3 and len(found) == 1
    document = journal.find(Filter.parse([("api", "crm")]))[0][0].to_json()
    assert document["violations"] == [
        {"part": "envelope", "name": "", "pointer": "/a", "message": "bad", "location": "envelope /a"}
    ]
    assert document["time"] == "2023-11-14T22:13:20.000Z"
    assert journal.clear(session="a", api="crm") == 1 and journal.clear(session="a") == 1 and len(journal) == 1


def test_near_misses_are_computed_once_when_first_read() -> None:
    calls: list[int] = []

    def compute() -> tuple[NearMiss, ...]:
        calls.append(1)
        return (NearMiss("GET /customers/{id}", "GET", "/customers/{id}", "path segment 1", 0.1),)

    found = entry(status=404, unmatched=True, near=compute)
    assert calls == []
    assert found.to_json()["near_misses"][0]["operation"] == "GET /customers/{id}"
    assert found.near_misses == found.near_misses and calls == [1]


@pytest.mark.parametrize(
    ("items", "named"),
    [([("status", "4x")], "status"), ([("status", "999")], "status"), ([("unmatched", "yes")], "unmatched"),
     ([("since", "2024-01-01")], "since"), ([("since", "soon")], "since"), ([("limit", "10001")], "limit"),
     ([("limit", "-1")], "limit"), ([("sort", "id")], "sort")],
)  # fmt: skip
def test_a_bad_filter_names_itself(items: list[tuple[str, str]], named: str) -> None:
    with pytest.raises(FilterError) as refused:
        Filter.parse(items)
    assert refused.value.name == named


def test_a_journal_size_out_of_bounds_is_refused() -> None:
    for size in (0, 1_000_001):
        with pytest.raises(ValueError, match="1 to 1000000"):
            Journal(size)


def test_threads_recording_at_once_get_distinct_ids() -> None:
    journal = Journal(10_000)

    def record() -> None:
        for _ in range(500):
            journal.record(entry())

    threads = [threading.Thread(target=record) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found, total = journal.find(Filter(limit=10_000))
    assert total == 4000 and len({item.id for item in found}) == 4000


def test_metrics_count_requests_faults_and_the_journal() -> None:
    journal = Journal(10)
    metrics = Metrics(lambda: float(len(journal)))
    journal.record(entry())
    metrics.observe("payments", "GET /x", 200, 0.002, 0, ())
    metrics.observe("payments", "GET /x", 429, 0.3, 1, ("rate-limited", "latency:300ms", "status:503"))
    metrics.reloaded("error")
    text = metrics.text().decode()
    assert 'ctk_requests_total{api="payments",operation="GET /x",status="200"} 1.0' in text
    assert 'ctk_violations_total{api="payments",operation="GET /x"} 1.0' in text
    assert 'ctk_faults_injected_total{api="payments",fault="latency"} 1.0' in text
    assert 'ctk_faults_injected_total{api="payments",fault="status:503"} 1.0' in text
    assert 'ctk_rate_limited_total{api="payments"} 1.0' in text
    assert 'ctk_request_duration_seconds_bucket{api="payments",le="0.0025"} 1.0' in text
    assert 'ctk_request_duration_seconds_bucket{api="payments",le="0.5"} 2.0' in text
    assert 'ctk_request_duration_seconds_count{api="payments"} 2.0' in text
    assert "ctk_journal_entries 1.0" in text
    assert 'ctk_reloads_total{outcome="error"} 1.0' in text and 'ctk_reloads_total{outcome="ok"} 0.0' in text


def test_two_sandboxes_count_apart() -> None:
    one, two = Metrics(lambda: 0.0), Metrics(lambda: 0.0)
    one.observe("a", "", 404, 0.001, 0, ())
    assert 'ctk_requests_total{api="a"' in one.text().decode()
    assert 'ctk_requests_total{api="a"' not in two.text().decode()


def test_a_violation_about_a_secret_keeps_its_place_not_its_message() -> None:
    from toolkit.sandbox.admin.journal import safe_violations

    given = (
        Violation("query", "'sk_live_x' is not of type 'integer'", "api_key"),
        Violation("header", "'Bearer sk_live_x' does not match", "authorization"),
        Violation("query", "'abc' is not one of ['a']", "hmac"),
        Violation("body", "'x' is too short", pointer="/name"),
    )
    kept = safe_violations(given, frozenset({"hmac"}))
    assert [violation.location for violation in kept] == [violation.location for violation in given]
    assert all("sk_live_x" not in violation.message and "abc" not in violation.message for violation in kept)
    assert kept[3] is given[3]
    assert safe_violations(given[3:]) == given[3:]


def test_a_body_violation_under_a_secret_name_or_quoting_a_secret_shape_is_not_shown() -> None:
    from toolkit.sandbox.admin.journal import safe_violations

    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    given = (
        Violation("body", "'hunter2hunter2' is too long", pointer="/credentials/password"),
        Violation("body", f"'{jwt}' is not a 'email'", pointer="/contact"),
        Violation("body", "'AKIAABCDEFGHIJKLMNOP' does not match '^x'", pointer="/note"),
        Violation("body", "'Ada' is too short", pointer="/name"),
    )
    kept = safe_violations(given)
    assert [violation.location for violation in kept] == [violation.location for violation in given]
    shown = " ".join(violation.message for violation in kept)
    assert "hunter2hunter2" not in shown and jwt not in shown and "AKIAABCDEFGHIJKLMNOP" not in shown
    assert kept[3] is given[3]
