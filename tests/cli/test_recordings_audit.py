"""``ctk recordings audit``: a leaky VCR cassette, HAR file or text is flagged (exit 1) with each secret masked;
ctk's placeholders and the usual masks never are (exit 0); a path that cannot be read is exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.support.cli import run_ctk
from tests.support.files import write_file, write_workspace
from tests.support.paths import REPO

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhdWRpdCJ9.c2lnbmVkLWJ5LXRoZS12ZW5kb3I"
LEAKS = {
    "authorization header": f"Bearer {JWT}",
    "stripe key": "sk_test_LeakyCassetteKey0123456789",
    "password field": "cassette-password-8Hj7",
    "aws": "AKIALEAKYCASSETTE123",
    "cookie": "leaky-session-cookie-Q9w8",
    "entropy": "Zx8Qm2Lr7Tn4Vb1Kc9Wd6Yf3Hg5Js0Pa",
}

# vcrpy's cassette layout (pytest-recording writes these under cassettes/)
CASSETTE = {
    "version": 1,
    "interactions": [
        {
            "request": {
                "method": "POST",
                "uri": "https://api.example.com/v1/login",
                "body": json.dumps({"username": "u", "password": LEAKS["password field"]}),
                "headers": {"Authorization": [LEAKS["authorization header"]], "Cookie": [f"sid={LEAKS['cookie']}"]},
            },
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"], "X-Signature-Key": [LEAKS["entropy"]]},
                "body": {"string": json.dumps({"note": f"use {LEAKS['stripe key']} or {LEAKS['aws']}"})},
            },
        }
    ],
}


def _cassette(folder: Path, value: object = CASSETTE) -> Path:
    return write_file(folder, "cassettes/test_login.yaml", yaml.safe_dump(value, sort_keys=False))


def test_a_leaky_vcr_cassette_is_flagged_with_every_secret_masked(tmp_path: Path) -> None:
    path = _cassette(tmp_path)
    done = run_ctk("recordings", "audit", str(path), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    output = done.stdout + done.stderr
    for secret in LEAKS.values():
        assert secret not in output  # never printed in full
    assert "credentials in Authorization: eyJh…(69 chars)" in output  # a JWT: its first four characters are no secret
    assert "Stripe key" in output and "AWS access key id" in output
    assert "'password'" in output and "cookie value" in output and "high-entropy" in output
    assert all(line.startswith(f"{path}#/interactions/0/") for line in done.stdout.splitlines())
    assert re.search(r"\(\d+ chars\)", done.stdout)
    assert "secret(s) found in 1 file(s)" in done.stderr


def test_a_cassette_filtered_by_vcrpy_and_ctk_placeholders_are_clean(tmp_path: Path) -> None:
    clean = json.loads(json.dumps(CASSETTE))
    request, response = clean["interactions"][0]["request"], clean["interactions"][0]["response"]
    request["headers"] = {"Authorization": ["Bearer ctk-redacted-0123456789abcdef"], "Cookie": ["sid=REDACTED"]}
    request["body"] = json.dumps({"username": "u", "password": "ctk-redacted-fedcba9876543210"})
    response["headers"] = {"Content-Type": ["application/json"], "X-Signature-Key": ["***"]}
    response["body"] = {"string": json.dumps({"note": "token_type Bearer, see the docs", "count": 3})}
    _cassette(tmp_path, clean)
    done = run_ctk("recordings", "audit", str(tmp_path / "cassettes"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "" and "no secrets found in 1 file(s)" in done.stderr


def test_a_leaky_har_and_a_leaky_text_file_are_flagged(tmp_path: Path) -> None:
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {
                        "url": "https://api.example.com/v1/things?api_key=LeakyQueryKey0123&limit=5",
                        "headers": [{"name": "X-Api-Key", "value": "leaky-header-key-77"}],
                    },
                    "response": {"content": {"text": json.dumps({"refresh_token": "leaky-refresh-55aa"})}},
                }
            ],
        }
    }
    write_file(tmp_path, "exports/session.har", json.dumps(har))
    write_file(tmp_path, "exports/notes.txt", "ok line\nkey: ghp_LeakyGithubToken0123456789abcdefABCD\n")
    done = run_ctk("recordings", "audit", str(tmp_path / "exports"), cwd=tmp_path)
    assert done.returncode == 1
    assert f"{tmp_path / 'exports' / 'notes.txt'}:2: GitHub token" in done.stdout
    assert "'api_key'" in done.stdout and "'X-Api-Key'" in done.stdout and "'refresh_token'" in done.stdout
    for secret in ("LeakyQueryKey0123", "leaky-header-key-77", "leaky-refresh-55aa", "ghp_LeakyGithubToken"):
        assert secret not in done.stdout + done.stderr


def test_a_path_that_cannot_be_read_is_exit_2_naming_it(tmp_path: Path) -> None:
    done = run_ctk("recordings", "audit", str(tmp_path / "missing.har"), cwd=tmp_path)
    assert done.returncode == 2
    assert "missing.har" in done.stderr and "Traceback" not in done.stderr


def test_without_a_path_the_workspace_mocks_folder_is_audited(tmp_path: Path) -> None:
    write_workspace(tmp_path, '[apis.x]\ncontract = "c.yaml"\n')
    write_file(tmp_path, "mocks/x/recordings/old.har", json.dumps({"log": {"entries": [{"password": "hunter2-leak"}]}}))
    done = run_ctk("recordings", "audit", cwd=tmp_path / "mocks")
    assert done.returncode == 1 and "old.har#/log/entries/0/password" in done.stdout


def test_the_audit_is_offered_as_a_pre_commit_hook() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "ctk-recordings-audit" and hook["entry"] == "ctk recordings audit"
    files = re.compile(hook["files"])
    assert files.search("mocks/payments/recordings/20260101T000000Z-abc123.har")
    assert files.search("tests/cassettes/test_login.yaml")
    assert not files.search("contracts/payments/v1/openapi.yaml")
