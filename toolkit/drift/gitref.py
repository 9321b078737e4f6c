"""Contracts at a git revision: ``REF:PATH`` (``origin/main:contracts/payments/v1``) read into a temporary folder.

CI compares a pull request's contract with the one on the main branch; the main branch's files are not
in the work tree, and must not be taken from it. Git's own syntax names them: ``REF:PATH``, PATH from the
repository's top (``REF:./PATH`` from the current folder), a file or a folder (a multi-file contract:
an OpenAPI document and its ``$ref``'d files, a WSDL and its XSDs, SDL files). The objects are read with
``git rev-parse``, ``git ls-tree`` and one ``git cat-file --batch`` into a temporary folder, which the
loader then reads like any other; the work tree and the index are never touched.

Symbolic links and submodules in the tree are left out (a link could point outside the folder), and each
file is held to the contract size limit (``CTK_MAX_CONTRACT_MB``) before it is written. Messages name
``REF:PATH/file``, never the temporary folder (``GitTree.restore``).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from toolkit.drift.errors import DriftError
from toolkit.errors import CtkError
from toolkit.sources import MAX_MB_ENV, is_url, max_bytes_from_env

__all__ = ["GitRefError", "GitTree", "is_git_ref", "read_git_ref"]

_TIMEOUT = 120.0  # seconds for one git command; reading local objects takes far less
_MAX_FILES = 10_000  # files of one tree: a contract folder, not a repository
_REGULAR = ("100644", "100755")
_MAX_NEIGHBOURS_BYTES = 64 * 1024 * 1024  # a named file's folder is copied along when it holds at most this much


class GitRefError(DriftError):
    """A ``REF:PATH`` that cannot be read: no git, not a repository, no such ref or path."""


def is_git_ref(argument: str) -> bool:
    """Whether a contract argument is ``REF:PATH`` rather than a file, folder or URL.

    An existing path wins (a file may have a ``:`` in its name), and a URL is a URL.
    """
    if is_url(argument) or ":" not in argument or os.path.exists(argument):
        return False
    ref = argument.split(":", 1)[0]
    return bool(ref) and not ref.startswith("-")


@dataclasses.dataclass(frozen=True)
class GitTree:
    """A ``REF:PATH`` read into ``folder``: ``contract`` is what to load (the file, or the folder's copy)."""

    spec: str  # as the user wrote it: origin/main:contracts/payments/v1
    folder: Path  # the temporary folder, removed by ``remove``
    contract: Path

    def restore(self, exc: CtkError) -> CtkError:
        """``exc`` with every mention of the temporary copy replaced by ``REF:PATH``."""
        copy = str(self.contract)
        changed = {
            name: value.replace(copy, self.spec)
            for name in ("message", "where", "hint")
            if isinstance(value := getattr(exc, name, None), str) and copy in value
        }
        for name, value in changed.items():
            setattr(exc, name, value)
        if changed:
            exc.args = (exc.message,)
        return exc

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def read_git_ref(spec: str, *, cwd: Path | None = None) -> GitTree:
    """Read ``REF:PATH`` (in the git repository around ``cwd``) into a new temporary folder.

    Raises ``GitRefError`` naming the ref or the path when either does not exist.
    """
    ref, path = spec.split(":", 1)
    if not ref or ref.startswith("-"):
        raise GitRefError("is not REF:PATH", where=spec, hint="name a branch, tag or commit before the ':'")
    here = cwd or Path.cwd()
    _git(["rev-parse", "--show-toplevel"], here, spec, missing="is not inside a git repository")
    if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], here, spec, check=False) is None:
        raise GitRefError(
            f"git ref {ref!r} does not exist in this repository",
            where=spec,
            hint="name a branch, tag or commit (git fetch first for a remote branch such as origin/main)",
        )
    found = _git(["rev-parse", "--verify", "--quiet", f"{ref}:{path}"], here, spec, check=False)
    if found is None:
        raise GitRefError(
            f"{path or '.'!r} does not exist at {ref}",
            where=spec,
            hint="PATH is from the repository's top; write REF:./PATH for a path from the current folder",
        )
    oid = found.strip()
    kind = (_git(["cat-file", "-t", oid], here, spec) or "").strip()
    name = PurePosixPath(path.rstrip("/")).name or "contract"
    folder = Path(tempfile.mkdtemp(prefix="ctk-git-"))
    try:
        if kind == "tree":
            contract = folder / name
            _write_blobs(here, spec, _tree(here, spec, oid), contract)
        elif kind == "blob":
            contract = _file_with_neighbours(here, spec, ref, path, oid, folder)
        else:
            raise GitRefError(f"is a git {kind}, not a file or folder", where=spec)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return GitTree(spec=spec, folder=folder, contract=contract)


def _file_with_neighbours(here: Path, spec: str, ref: str, path: str, oid: str, folder: Path) -> Path:
    """One file, with its folder around it when that folder is small: a WSDL imports its XSDs and an
    OpenAPI document ``$ref``s its components by relative paths. A large folder (a repository's top)
    gives the file alone; a reference out of it then fails naming ``REF:PATH``'s neighbour."""
    name = PurePosixPath(path).name
    parent = path[: len(path) - len(name)]  # "a/b.yaml" -> "a/", "./b.yaml" -> "./", "b.yaml" -> "" (the top)
    tree = _git(["rev-parse", "--verify", "--quiet", f"{ref}:{parent}"], here, spec, check=False)
    around: dict[PurePosixPath, tuple[str, int]] = {}
    if tree is not None:
        try:
            around = _tree(here, spec, tree.strip())
        except GitRefError:
            around = {}
    limit = max_bytes_from_env()
    kept = {relative: entry for relative, entry in around.items() if entry[1] <= limit}
    if not kept or sum(size for _, size in kept.values()) > _MAX_NEIGHBOURS_BYTES:
        kept = {}
    kept[PurePosixPath(name)] = (oid, _size(here, spec, oid))
    _write_blobs(here, spec, kept, folder)
    return folder / name


def _tree(here: Path, spec: str, oid: str) -> dict[PurePosixPath, tuple[str, int]]:
    """The regular files under tree ``oid``: relative path → (blob id, size)."""
    listing = _git(["ls-tree", "-r", "-z", "--long", "--full-tree", oid], here, spec) or ""
    files: dict[PurePosixPath, tuple[str, int]] = {}
    for entry in filter(None, listing.split("\0")):
        info, _, name = entry.partition("\t")
        mode, kind, blob, size = info.split(maxsplit=3)
        if kind != "blob" or mode not in _REGULAR:
            continue  # symbolic links could point anywhere; submodules are other repositories
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            continue
        files[relative] = (blob, int(size.strip()))
        if len(files) > _MAX_FILES:
            raise GitRefError(
                f"has more than {_MAX_FILES} files; a contract folder is expected",
                where=spec,
                hint="name a smaller folder",
            )
    if not files:
        raise GitRefError("is an empty folder at that revision", where=spec)
    return files


def _size(here: Path, spec: str, oid: str) -> int:
    return int((_git(["cat-file", "-s", oid], here, spec) or "0").strip())


def _write_blobs(here: Path, spec: str, files: dict[PurePosixPath, tuple[str, int]], into: Path) -> None:
    """Each file's bytes from one ``git cat-file --batch``, asked one object at a time (git flushes after each,
    so no more than one file is ever held in memory)."""
    limit = max_bytes_from_env()
    for relative, (_, size) in files.items():
        if size > limit:
            raise GitRefError(
                f"{relative} ({size} bytes) is over the {round(limit / 1048576, 3):g} MB limit for a contract",
                where=spec,
                hint=f"raise {MAX_MB_ENV} if the file is meant to be read",
            )
    with _popen(["git", "cat-file", "--batch"], here, spec) as git:
        assert git.stdin is not None and git.stdout is not None
        for relative, (blob, _) in files.items():
            git.stdin.write(f"{blob}\n".encode())
            git.stdin.flush()
            header = git.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise GitRefError(f"git could not read {relative}", where=spec)
            content = git.stdout.read(int(header[2]))
            git.stdout.read(1)  # the newline after each object
            target = into.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        git.stdin.close()


def _git(args: list[str], here: Path, spec: str, *, check: bool = True, missing: str = "") -> str | None:
    """git's standard output, or None when it fails and ``check`` is False."""
    try:
        return _run(["git", *args], here, spec).decode("utf-8", "replace")
    except GitRefError:
        if not check:
            return None
        if missing:
            raise GitRefError(f"{here} {missing}", where=spec, hint="run ctk drift inside the repository") from None
        raise


def _environment() -> dict[str, str]:
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


def _popen(command: list[str], here: Path, spec: str) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(  # noqa: S603 - git with object ids git itself listed
            command,
            cwd=here,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_environment(),
        )
    except FileNotFoundError:
        raise GitRefError(
            "git is not installed", where=spec, hint="install git to compare contracts at a revision"
        ) from None


def _run(command: list[str], here: Path, spec: str) -> bytes:
    try:
        # git with fixed options; the user's REF:PATH is one argument and never starts with "-" (read_git_ref)
        done = subprocess.run(  # noqa: S603
            command, cwd=here, capture_output=True, timeout=_TIMEOUT, check=False, env=_environment()
        )
    except FileNotFoundError:
        raise GitRefError(
            "git is not installed", where=spec, hint="install git to compare contracts at a revision"
        ) from None
    except subprocess.TimeoutExpired:
        raise GitRefError(f"git did not answer within {_TIMEOUT:g} s", where=spec) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitRefError(f"git failed: {reason[-1] if reason else f'exit {done.returncode}'}", where=spec)
    return done.stdout
