"""Reading the files of ``mocks/<api>/`` (overlays, named examples, seed files): regular files only, of a
bounded size, UTF-8. They are the team's own files, but a FIFO named ``seed.json`` or a stray multi-gigabyte
export would hang ``ctk serve`` at start or take its memory, instead of being refused with the file named."""

from __future__ import annotations

import stat
from pathlib import Path

from toolkit.errors import ConfigError

__all__ = ["MAX_FILE_BYTES", "read_mocks_file"]

MAX_FILE_BYTES = 16 * 1024 * 1024  # an overlay, example or seed file: answers and a few records, not a data set


def read_mocks_file(path: Path, what: str, *, where: str | None = None) -> str:
    """The text of ``path`` (``what`` names it in errors: "seed.json", "the example"); ``ConfigError`` naming
    ``where`` (default: the path) when it is not a regular file, is over ``MAX_FILE_BYTES``, or is not UTF-8."""
    shown = where or str(path)
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise ConfigError(f"{what} is not a regular file", where=shown, hint="mocks/<api>/ holds plain files")
        if status.st_size > MAX_FILE_BYTES:
            raise ConfigError(
                f"{what} is larger than {MAX_FILE_BYTES // 2**20} MiB",
                where=shown,
                hint="keep fixed answers and seed records small; generate the rest from the contract",
            )
        with path.open("rb") as handle:  # the size again while reading: the file may grow after stat
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ConfigError(f"{what} is larger than {MAX_FILE_BYTES // 2**20} MiB", where=shown)
        return data.decode("utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {what}: {error.strerror or error}", where=shown) from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{what} is not UTF-8 text: {error.reason} at byte {error.start}", where=shown) from error
