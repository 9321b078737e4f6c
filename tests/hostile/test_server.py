"""The HTTP layer of ``ctk serve`` under hostile clients, over real sockets: oversized and slow request heads,
idle and slow-body connections, connection floods, and the limits as ``--limit`` and sandbox.toml set them.

Each attack gets its answer (status and form), the connection's fate (closed, or still served), the
server's memory and log. Times are never asserted: the server runs with 1-second timeouts, and a
socket that is not closed within ``HANG`` fails the test.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.files import write_workspace
from tests.support.paths import REPO
from tests.support.served import HANG, MIB, Served, assert_no_traceback, served

KEY = {"X-Api-Key": "sk_test_1"}
CUSTOMER = "/payments/customers/cus_1"


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The example APIs with tight limits: from sandbox.toml's [limits], and one from ``--limit``."""
    root = tmp_path_factory.mktemp("tight")
    write_workspace(
        root,
        f"""
[limits]
max_body = 1000
header_timeout = 1
body_timeout = 1
keepalive_timeout = 1

[apis.payments]
contract = "{REPO / "contracts" / "payments" / "v1"}"

[apis.crm]
contract = "{REPO / "contracts" / "crm" / "v1" / "crm.wsdl"}"

[apis.inventory]
contract = "{REPO / "contracts" / "inventory" / "v1"}"
""",
    )
    with served("--root", str(root), "--limit", "max_header_bytes=8192") as server:
        yield server


def connect(server: Served) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=HANG)
    return sock


def read_until_closed(sock: socket.socket, limit: int = 1 * MIB) -> bytes:
    """Everything the server sends until it closes the connection (a socket timeout fails the test: a hang)."""
    received = b""
    while len(received) < limit:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        except TimeoutError:
            pytest.fail(f"the server kept the connection open for {HANG} s; received {received[:200]!r}")
        if not chunk:
            break
        received += chunk
    return received


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer[9:12])


def problem_of(answer: bytes) -> dict[str, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower(), head
    document = json.loads(body)
    assert isinstance(document, dict)
    return document


# -- request heads ------------------------------------------------------------------------------------


def test_a_head_over_max_header_bytes_is_431_and_the_connection_is_closed(tight: Served) -> None:
    with connect(tight) as sock:
        sock.sendall(f"GET {CUSTOMER} HTTP/1.1\r\nHost: x\r\nX-Api-Key: sk_test_1\r\n".encode())
        sock.sendall(b"X-Pad: " + b"p" * 9000 + b"\r\n\r\n")
        answer = read_until_closed(sock)
    assert status_of(answer) == 431
    assert "max_header_bytes=8192" in str(problem_of(answer)["detail"])
    # a head just under the limit is served as usual
    with tight.client() as client:
        assert client.get(CUSTOMER, headers={**KEY, "X-Pad": "p" * 7000}).status_code == 200
    assert_no_traceback(tight)


def test_an_endless_head_is_refused_before_it_is_whole_and_costs_no_memory(tight: Served) -> None:
    baseline = tight.peak_rss()
    sent = 0
    with connect(tight) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        try:
            while sent < 64 * MIB:  # many headers of 1 KB, never a blank line
                sock.sendall(b"X-Pad: " + b"p" * 1024 + b"\r\n")
                sent += 1033
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_until_closed(sock)
    assert sent < 16 * MIB, f"the server read {sent} bytes of one request head"
    if answer:  # the answer can be lost to the reset a close with unread input causes; the close is what counts
        assert status_of(answer) == 431
    assert tight.peak_rss() - baseline < 50 * MIB
    assert_no_traceback(tight)


def test_a_head_sent_one_byte_at_a_time_is_closed_after_header_timeout(tight: Served) -> None:
    """Slowloris: each byte resets no timer; the head must be complete within header_timeout (1 s here)."""
    head = f"GET {CUSTOMER} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode() + b"s" * 200
    started = time.monotonic()
    with connect(tight) as sock:
        try:
            for byte in head:
                sock.sendall(bytes([byte]))
                time.sleep(0.05)
                assert time.monotonic() - started < HANG, "the slow head was never cut off"
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_until_closed(sock)
    assert status_of(answer) == 408
    assert "header_timeout=1" in str(problem_of(answer)["detail"])
    assert_no_traceback(tight)


def test_a_connection_that_sends_nothing_is_closed(tight: Served) -> None:
    with connect(tight) as sock:
        assert read_until_closed(sock) == b""  # closed without an answer: nothing was asked


def test_an_idle_keep_alive_connection_is_closed(tight: Served) -> None:
    with connect(tight) as sock:
        sock.sendall(b"GET /__ctk/health HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_until_closed(sock)  # the answer, then the close after keepalive_timeout (1 s)
    assert status_of(answer) == 200
    assert b'{"status":"ok"}' in answer


# -- request bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/payments/customers", "application/json"), ("/crm", "text/xml"), ("/inventory", "application/json")],
)
def test_max_body_from_sandbox_toml_is_413_in_each_protocols_form(tight: Served, path: str, content_type: str) -> None:
    with tight.client() as client:
        declared = client.post(path, content=b"x" * 5000, headers={**KEY, "content-type": content_type})
        streamed = client.post(
            path, content=iter([b"x" * 600, b"x" * 600]), headers={**KEY, "content-type": content_type}
        )  # chunked: no length to refuse up front, refused once 1000 bytes are read
    for answer in (declared, streamed):
        assert answer.status_code == 413, answer.text[:300]
        assert answer.headers["connection"] == "close"
        assert "1000 bytes" in answer.text
    if path == "/crm":
        assert "Fault" in declared.text
    elif path == "/inventory":
        assert "errors" in declared.json()
    else:
        assert declared.headers["content-type"] == "application/problem+json"


def test_a_body_slower_than_body_timeout_is_408_and_closed(tight: Served) -> None:
    with connect(tight) as sock:
        sock.sendall(
            b"POST /payments/customers HTTP/1.1\r\nHost: x\r\nX-Api-Key: sk_test_1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"
        )
        answer = read_until_closed(sock)
    assert status_of(answer) == 408
    assert "body_timeout=1" in str(problem_of(answer)["detail"])


# -- connections --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crowded() -> Iterator[Served]:
    with served(str(REPO / "contracts" / "payments" / "v1"), "--limit", "max_connections=20") as server:
        yield server


def test_a_flood_of_idle_connections_cannot_lock_out_a_client(crowded: Served) -> None:
    """40 silent connections against max_connections=20: the longest-idle ones are closed to make room."""
    baseline = crowded.peak_rss()
    flood = [connect(crowded) for _ in range(40)]
    try:
        with crowded.client() as client:
            answer = client.get("/v1/customers/cus_1", headers=KEY)
        assert answer.status_code == 200, answer.text
        closed = 0
        for sock in flood:
            sock.settimeout(0.5)
            try:
                closed += sock.recv(1) == b""
            except TimeoutError:
                pass
            except ConnectionResetError:
                closed += 1
        assert closed >= 20, f"only {closed} of 40 idle connections were closed under max_connections=20"
    finally:
        for sock in flood:
            sock.close()
    assert crowded.peak_rss() - baseline < 50 * MIB
    assert_no_traceback(crowded)


def test_when_every_connection_is_busy_a_client_gets_503_then_service_again(crowded: Served) -> None:
    """20 requests whose bodies never come hold every slot with a request in progress: no room can be made."""
    busy = []
    for _ in range(20):
        sock = connect(crowded)
        sock.sendall(
            b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nX-Api-Key: sk_test_1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        )
        busy.append(sock)
    try:
        time.sleep(0.3)  # let the server read every head
        with crowded.client() as client:
            assert client.get("/v1/customers/cus_1", headers=KEY).status_code == 503
    finally:
        for sock in busy:
            sock.close()
    with crowded.client() as client:
        deadline = time.monotonic() + HANG
        while (status := client.get("/v1/customers/cus_1", headers=KEY).status_code) != 200:
            assert status == 503 and time.monotonic() < deadline
            time.sleep(0.1)
    assert_no_traceback(crowded)


def test_thousands_of_pipelined_requests_in_one_read_cost_no_memory(tight: Served) -> None:
    """Each pipelined request would be a queued cycle: 20 x 20 000 of them cost 400 MB before max_pipelined."""
    baseline = tight.peak_rss()
    flood = []
    for _ in range(20):
        sock = connect(tight)
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.send(b"GET /__ctk/health HTTP/1.1\r\nHost: x\r\n\r\n" * 20_000)
        flood.append(sock)
    try:
        time.sleep(1)
        with tight.client() as client:
            assert client.get("/__ctk/health").status_code == 200
    finally:
        for sock in flood:
            sock.close()
    assert tight.peak_rss() - baseline < 100 * MIB
    with connect(tight) as sock:  # a few pipelined requests are all answered, in order
        sock.sendall(b"GET /__ctk/health HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
        answers = read_until_closed(sock)
    assert answers.count(b"HTTP/1.1 200 OK") == 3
    assert_no_traceback(tight)


# -- the log --------------------------------------------------------------------------------------------


def test_each_refused_request_is_one_short_log_line(tight: Served) -> None:
    before = len(tight.log())
    with tight.client() as client:
        long_path = client.get("/payments/customers/" + "a" * 5000, headers=KEY)
        invalid = {"email": ["x" * 400] * 2, **{f"extra{i}": "y" * 20 for i in range(30)}}
        bad_body = client.post("/payments/customers", json=invalid, headers=KEY)
        anonymous = client.get("/payments/customers/cus_1")
    statuses = [answer.status_code for answer in (long_path, bad_body, anonymous)]
    assert all(400 <= status < 500 for status in statuses), statuses
    time.sleep(0.2)
    lines = tight.log()[before:].splitlines()
    assert len(lines) == 3, lines
    assert all(len(line) < 700 for line in lines), [len(line) for line in lines]
    assert lines[0].startswith(f"INFO: {statuses[0]} GET /payments/customers/aaa") and "(+4" in lines[0]
    assert lines[2].startswith(f"INFO: {statuses[2]} GET /payments/customers/cus_1: ")
    assert_no_traceback(tight)


# -- workers ----------------------------------------------------------------------------------------------


def test_limits_hold_in_every_worker_process() -> None:
    with served(str(REPO / "contracts" / "payments" / "v1"), "--workers", "2", "--limit", "max_header_bytes=4096",
                "--limit", "max_body=100") as server:  # fmt: skip
        for _ in range(4):  # the kernel spreads connections over the workers
            with connect(server) as sock:
                sock.sendall(b"GET /v1/customers HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 5000 + b"\r\n\r\n")
                assert status_of(read_until_closed(sock)) == 431
            with server.client() as client:
                assert client.post("/v1/customers", content=b"x" * 200, headers=KEY).status_code == 413
        assert_no_traceback(server)


def test_limits_are_reported_at_startup() -> None:
    with served(str(REPO / "contracts" / "payments" / "v1"), "--limit", "max_body=2048") as server:
        assert "limits: max_body=2048" in server.log()
