"""``ctk drift REF:PATH …``: a contract at a git revision, read from git's objects, never from the work tree.

Each test makes a repository in tmp_path holding the workspace's payments v1 (an OpenAPI document and a
``$ref``'d components file) and crm v1 (a WSDL importing its XSD), committed, then changes the work tree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import assert_refused_output, ctk, run_ctk
from tests.support.paths import REPO


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with payments v1 and crm v1 committed on main; the current folder is its top."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "contracts/payments/v1", root / "contracts/payments/v1")
    shutil.copytree(REPO / "contracts/crm/v1", root / "contracts/crm/v1")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "v1")
    monkeypatch.chdir(root)
    return root


def drift_json(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = ctk("drift", *args, "--format", "json")
    assert out, err
    data: dict[str, Any] = json.loads(out)
    return code, data, err


def _ids(data: dict[str, Any]) -> set[str]:
    return {change["id"] for change in data["changes"]}


def test_a_folder_at_a_ref_against_the_work_tree(repo: Path) -> None:
    """The pull request's contract (v2 in the work tree) against main's, with its $ref'd file."""
    work = repo / "contracts/payments/v1"
    shutil.rmtree(work)
    shutil.copytree(REPO / "contracts/payments/v2", work)  # uncommitted: only the work tree has v2
    code, data, err = drift_json("main:contracts/payments/v1", "contracts/payments/v1")
    assert code == 1, err
    assert {"response-optional-property-removed", "request-property-became-required"} <= _ids(data)
    [api] = data["apis"]
    assert (api["api"], api["old"]) == ("payments", "main:contracts/payments/v1")
    # the same ref on both sides reads git's objects, not the changed work tree
    code, data, err = drift_json("main:contracts/payments/v1", "HEAD:contracts/payments/v1")
    assert (code, data["changes"]) == (0, []), err


def test_a_file_at_a_ref_brings_the_files_it_imports(repo: Path) -> None:
    shutil.copy(REPO / "contracts/crm/v2/crm.wsdl", repo / "contracts/crm/v1/crm.wsdl")
    shutil.copy(REPO / "contracts/crm/v2/crm-types.xsd", repo / "contracts/crm/v1/crm-types.xsd")
    git(repo, "commit", "-q", "-am", "v2")
    code, data, err = drift_json("HEAD~1:contracts/crm/v1/crm.wsdl", "HEAD:contracts/crm/v1/crm.wsdl")
    assert code == 1, err
    assert "response-element-removed" in _ids(data)  # Account/fax, declared in the imported XSD


def test_a_path_from_the_current_folder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "contracts")
    code, data, err = drift_json("main:./payments/v1", "payments/v1")
    assert (code, data["changes"]) == (0, []), err


def test_a_ref_that_does_not_exist_is_named(repo: Path) -> None:
    code, out, err = ctk("drift", "origin/nope:contracts/payments/v1", "contracts/payments/v1")
    assert_refused_output(code, out, err, "origin/nope:contracts/payments/v1")
    assert "git ref 'origin/nope' does not exist" in err
    code, data, _ = drift_json("origin/nope:contracts/payments/v1", "contracts/payments/v1")
    assert code == 2 and "origin/nope" in data["errors"][0]["message"]


def test_a_path_missing_at_the_ref_is_named(repo: Path) -> None:
    code, out, err = ctk("drift", "main:contracts/billing/v1", "contracts/payments/v1")
    assert_refused_output(code, out, err, "'contracts/billing/v1' does not exist at main")


def test_a_load_error_names_the_ref_not_a_temporary_folder(repo: Path) -> None:
    (repo / "contracts/payments/v1/openapi.yaml").write_text("openapi: 3.1.0\npaths: [\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "broken")
    code, out, err = ctk("drift", "HEAD:contracts/payments/v1", "HEAD~1:contracts/payments/v1")
    assert_refused_output(code, out, err, "HEAD:contracts/payments/v1/openapi.yaml")
    assert "ctk-git-" not in err


def test_outside_a_repository_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = ctk("drift", "main:contracts/payments/v1", "main:contracts/payments/v2")
    assert_refused_output(code, out, err, "is not inside a git repository")


def test_the_installed_command_leaves_no_temporary_folder(repo: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = run_ctk(
        "drift", "main:contracts/payments/v1", "main:contracts/payments/v1", cwd=repo, env={"TMPDIR": str(scratch)}
    )
    assert done.returncode == 0, done.stderr
    assert "no changes" in done.stdout
    assert list(scratch.iterdir()) == []


def test_links_and_oversized_files_are_not_copied(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.drift.gitref import read_git_ref

    (repo / "contracts/payments/v1/elsewhere.yaml").symlink_to("/etc/hostname")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a link")
    tree = read_git_ref("HEAD:contracts/payments/v1")
    try:
        copied = sorted(str(path.relative_to(tree.contract)) for path in tree.contract.rglob("*"))
        assert copied == ["components", "components/errors.yaml", "openapi.yaml"]
        assert not any(path.is_symlink() for path in tree.contract.rglob("*"))
        original = (repo / "contracts/payments/v1/openapi.yaml").read_bytes()
        assert (tree.contract / "openapi.yaml").read_bytes() == original
    finally:
        tree.remove()
    assert not tree.folder.exists()
    monkeypatch.setenv("CTK_MAX_CONTRACT_MB", "0.001")
    code, out, err = ctk("drift", "HEAD:contracts/payments/v1", "HEAD:contracts/payments/v1")
    assert_refused_output(code, out, err, "over the 0.001 MB limit for a contract")
    assert "CTK_MAX_CONTRACT_MB" in err
