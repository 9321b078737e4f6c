"""Which files a running sandbox was built from, and whether any changed: polled, one ``stat`` per file.

A snapshot maps each watched file to its ``(mtime_ns, size, inode)`` (the inode: an editor that saves by
writing a new file and renaming it over the old one, twice within the clock's tick, still changes it); a
watched folder (a folder contract, an API's ``mocks/<api>/``) is walked, so a file added or removed there is a
change too. Polling rather than inotify or
``watchfiles`` (which would add a Rust extension to ctk's dependencies): a sandbox is built from a handful to a
few hundred files, a few hundred ``stat`` calls every ~0.4 s cost well under a millisecond, and polling works
the same on every OS, in containers and on network mounts where file events are not delivered.

Skipped: names starting with ``.`` (editors' swap and lock files: ``.x.swp``, ``.#x``), ending with ``~``,
and ``__pycache__`` (``hooks.py`` leaves one when imported). A walk stops at ``MAX_FILES`` files per folder,
and does not follow links to folders (a link loop cannot make it endless).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["MAX_FILES", "Snapshot", "changed", "snapshot"]

MAX_FILES = 5000  # files per watched folder: mocks/<api>/ with more than this is not watched past it
Snapshot = dict[str, tuple[int, int, int]]  # path -> (mtime_ns, size, inode); absent: the file does not exist


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Each of ``paths`` (a file, or a folder walked for its files) with its modification time and size."""
    found: Snapshot = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue  # absent (a contract being replaced, a mocks/ folder not created yet): its appearance is a change
        if path.is_dir():
            _walk(path, found)
        else:
            found[str(path)] = (info.st_mtime_ns, info.st_size, info.st_ino)
    return found


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    """The files added, removed or modified between two snapshots, sorted."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def _walk(folder: Path, found: Snapshot) -> None:
    pending = [str(folder)]
    seen = 0
    while pending and seen < MAX_FILES:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if _skipped(entry.name):
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(entry.path)
                            continue
                        info = entry.stat()
                    except OSError:
                        continue
                    found[entry.path] = (info.st_mtime_ns, info.st_size, info.st_ino)
                    seen += 1
                    if seen >= MAX_FILES:
                        return
        except OSError:
            continue  # removed while walking: the next poll sees it gone


def _skipped(name: str) -> bool:
    return name.startswith(".") or name.endswith("~") or name == "__pycache__"
