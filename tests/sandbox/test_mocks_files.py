"""The files of ``mocks/<api>/`` are read as plain, bounded files: a FIFO or a huge file in their place is
refused at start with its name (exit 2), never a hang or the server's memory. Through the real CLI, in a
subprocess with a timeout, so a regression hangs nothing but fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.files import write_file, write_workspace
from tests.support.paths import REPO
from toolkit.sandbox.mocks_files import MAX_FILE_BYTES

PAYMENTS = REPO / "contracts" / "payments" / "v1"


def _workspace(root: Path) -> Path:
    return write_workspace(root, f'[apis.payments]\ncontract = "{PAYMENTS}"\nmount = "/payments"\nstate = true\n')


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "toolkit.cli", "serve", "--root", str(root), "--check"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("name", ["seed.json", "overlays.toml", "examples/vip.json"])
def test_a_fifo_in_place_of_a_mocks_file_is_refused_not_waited_for(tmp_path: Path, name: str) -> None:
    root = _workspace(tmp_path)
    path = root / "mocks" / "payments" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    done = _check(root)
    assert done.returncode == 2, done.stderr
    assert "is not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    path = write_file(root, "mocks/payments/seed.json", "{}")
    os.truncate(path, MAX_FILE_BYTES + 1)  # sparse: the size is there, the disk is not used
    done = _check(root)
    assert done.returncode == 2, done.stderr
    assert "seed.json is larger than 16 MiB" in done.stderr


def test_a_seed_file_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    (root / "mocks" / "payments").mkdir(parents=True)
    (root / "mocks" / "payments" / "seed.json").write_bytes(b'{"customers": [{"name": "\xff"}]}')
    done = _check(root)
    assert (
        done.returncode == 2 and "is not UTF-8 text" in done.stderr and "at byte 25" in done.stderr
    )  # 0-based, as Python counts
