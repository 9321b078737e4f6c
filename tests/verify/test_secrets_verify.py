"""No credential ever leaves a verify run: a secret planted in every credential variable is sent to the vendor
and found in none of stdout, stderr, any report format, the evidence files or the JUnit report.

The vendor is the drifted one, so every report carries failures with their curl reproductions: the requests
that carried the credentials (bearer, basic, an API key header and a query parameter)."""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

from tests.support.cli import run_ctk
from tests.support.vendors.rest import CONTRACT, rest_vendor

SECRETS = {
    "LIB_TOKEN": "tok-PLANTED-7f3a9c",
    "LIB_USER": "user-PLANTED-51d2",
    "LIB_PASSWORD": "pw-PLANTED-e8b0/+=",
    "LIB_KEY": "key-PLANTED-22c4",
    "LIB_QUERY_KEY": "qk PLANTED&9b1=",
}
AUTH = {
    "bearer": 'type = "bearer"\ntoken_env = "LIB_TOKEN"',
    "basic": 'type = "basic"\nusername_env = "LIB_USER"\npassword_env = "LIB_PASSWORD"',
    "header": 'type = "header"\nname = "X-Api-Key"\nvalue_env = "LIB_KEY"',
    "query": 'type = "query"\nname = "api_key"\nvalue_env = "LIB_QUERY_KEY"',
}


def _forms(secret: str) -> set[str]:
    """The secret and the encodings it could leak in."""
    forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
    return forms | {base64.b64encode(f"{SECRETS['LIB_USER']}:{SECRETS['LIB_PASSWORD']}".encode()).decode()}


def _workspace(root: Path, url: str) -> None:
    (root / "sandbox").mkdir()
    (root / "library.yaml").write_text(CONTRACT.read_text())
    tables = [
        f'[apis.lib-{kind}]\ncontract = "library.yaml"\n[apis.lib-{kind}.vendor]\nsandbox_url = "{url}"\n'
        f"[apis.lib-{kind}.vendor.auth]\n{auth}\n"
        for kind, auth in AUTH.items()
    ]
    (root / "sandbox" / "sandbox.toml").write_text("\n".join(tables))


def test_a_planted_secret_appears_in_no_output(tmp_path: Path) -> None:
    outputs: list[str] = []
    with rest_vendor(drifted=True) as (url, log):
        _workspace(tmp_path, url)
        for output_format in ("text", "json", "junit", "markdown"):
            report = tmp_path / f"report.{output_format}"
            result = run_ctk("verify", "--format", output_format, "-o", str(report), "--examples", "3", cwd=tmp_path,
                             env=SECRETS)  # fmt: skip
            assert result.returncode == 1, result.stdout + result.stderr
            outputs += [result.stdout, result.stderr, report.read_text()]
        plain = run_ctk("verify", "--examples", "3", cwd=tmp_path, env=SECRETS)
        outputs += [plain.stdout, plain.stderr]
        debug = run_ctk("verify", "--plan", "--debug", cwd=tmp_path, env=SECRETS)
        outputs += [debug.stdout, debug.stderr]
    evidence = sorted((tmp_path / ".ctk" / "evidence").glob("*.json"))
    assert [path.name for path in evidence] == [f"lib-{kind}.json" for kind in sorted(AUTH)]
    outputs += [path.read_text() for path in evidence]
    # the credentials were really sent: the test would prove nothing otherwise
    assert f"Bearer {SECRETS['LIB_TOKEN']}" in log.authorization
    assert any(value.startswith("Basic ") for value in log.authorization)
    assert "***" in outputs[0] + outputs[2]  # the reproductions had something to redact
    for text in outputs:
        for secret in SECRETS.values():
            for form in _forms(secret):
                assert form not in text
