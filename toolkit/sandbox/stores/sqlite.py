"""``sqlite:PATH``: a SQLite file (stdlib ``sqlite3``): state survives a restart, ``--workers N`` share it.

Every process opens the file itself and keeps one connection, used under a lock by its threads. The
file is in WAL mode (readers never wait for the writer) with ``synchronous=NORMAL`` (a commit is not
flushed to disk before it returns: a power cut may lose the last writes of a sandbox, never corrupt
it). Each change is one transaction begun with ``BEGIN IMMEDIATE``, which takes the file's write lock
before reading, so a read-check-write (the cap, a counter's expiry and increment) is atomic across
processes; a writer that finds the lock taken waits up to ``BUSY_TIMEOUT`` seconds rather than fail.

Order is an AUTOINCREMENT column: a new key gets a number above every number ever used, a key stored
again keeps its row and so its place. A counter's expiry is a wall-clock deadline (``time.time()``),
the one clock every process on the machine shares; an expired counter is dropped lazily, when it is
next asked for or when its namespace is full.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.sandbox.stores.common import checked_by, checked_ttl, decode, encode, full
from toolkit.sandbox.stores.errors import StoreError

BUSY_TIMEOUT = 30.0  # seconds a writer waits for another process's transaction before giving up
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS ctk_values (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the namespace's order: first stored, first listed
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,  -- compact JSON
        UNIQUE (namespace, key)
    )""",
    "CREATE INDEX IF NOT EXISTS ctk_values_order ON ctk_values (namespace, seq)",
    """CREATE TABLE IF NOT EXISTS ctk_counters (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value INTEGER NOT NULL,
        deadline REAL,  -- time.time() from which the counter is gone, or NULL: never
        PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID""",
)
# Every statement is a literal (no SQL is built from text). A counter is live while "deadline IS NULL OR
# deadline > now"; a namespace is under a prefix when "substr(namespace, 1, len) = prefix" (LIKE ignores
# case and GLOB has wildcards, so neither compares a prefix exactly).


class SQLiteStore:
    def __init__(self, path: Path, url: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.url = url
        self.limits = limits
        self._lock = threading.Lock()
        with self._failures("open"):
            self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        try:
            with self._failures("open"):
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                with self._write() as db:
                    for statement in _SCHEMA:
                        db.execute(statement)
        except BaseException:
            self._db.close()
            raise

    def get(self, namespace: str, key: str) -> Any | None:
        with self._read() as db:
            row = db.execute(
                "SELECT value FROM ctk_values WHERE namespace = ? AND key = ?", (namespace, key)
            ).fetchone()
        return None if row is None else decode(row[0])

    def put(self, namespace: str, key: str, value: Any) -> None:
        text = encode(value, namespace, self.limits)
        with self._write() as db:
            changed = db.execute(
                "UPDATE ctk_values SET value = ? WHERE namespace = ? AND key = ?", (text, namespace, key)
            ).rowcount
            if changed:
                return
            (held,) = db.execute("SELECT COUNT(*) FROM ctk_values WHERE namespace = ?", (namespace,)).fetchone()
            if held >= self.limits.max_stored_items:
                raise full(namespace, self.limits)
            db.execute("INSERT INTO ctk_values (namespace, key, value) VALUES (?, ?, ?)", (namespace, key, text))

    def delete(self, namespace: str, key: str) -> bool:
        now = time.time()
        with self._write() as db:
            found = db.execute("DELETE FROM ctk_values WHERE namespace = ? AND key = ?", (namespace, key)).rowcount
            live = db.execute(
                "DELETE FROM ctk_counters WHERE namespace = ? AND key = ? AND (deadline IS NULL OR deadline > ?)",
                (namespace, key, now),
            ).rowcount
            db.execute("DELETE FROM ctk_counters WHERE namespace = ? AND key = ?", (namespace, key))
        return bool(found or live)

    def items(self, namespace: str, *, limit: int | None = None) -> list[tuple[str, Any]]:
        if limit is not None and limit <= 0:
            return []
        with self._read() as db:
            rows = db.execute(
                "SELECT key, value FROM ctk_values WHERE namespace = ? ORDER BY seq LIMIT ?",
                (namespace, -1 if limit is None else limit),
            ).fetchall()
        return [(key, decode(text)) for key, text in rows]

    def count(self, namespace: str) -> int:
        with self._read() as db:
            (held,) = db.execute("SELECT COUNT(*) FROM ctk_values WHERE namespace = ?", (namespace,)).fetchone()
        return int(held)

    def incr(self, namespace: str, key: str, *, by: int = 1, ttl: float | None = None) -> int:
        by, ttl = checked_by(by), checked_ttl(ttl)
        with self._write() as db:
            now = time.time()  # read under the write lock: no other process moves a deadline meanwhile
            where = (namespace, key)
            db.execute("DELETE FROM ctk_counters WHERE namespace = ? AND key = ? AND deadline <= ?", (*where, now))
            if db.execute(
                "UPDATE ctk_counters SET value = value + ? WHERE namespace = ? AND key = ?", (by, *where)
            ).rowcount:
                (value,) = db.execute(
                    "SELECT value FROM ctk_counters WHERE namespace = ? AND key = ?", where
                ).fetchone()
                return int(value)
            count = "SELECT COUNT(*) FROM ctk_counters WHERE namespace = ?"
            if db.execute(count, (namespace,)).fetchone()[0] >= self.limits.max_stored_items:
                db.execute("DELETE FROM ctk_counters WHERE namespace = ? AND deadline <= ?", (namespace, now))
                if db.execute(count, (namespace,)).fetchone()[0] >= self.limits.max_stored_items:
                    raise full(namespace, self.limits, "counters")
            deadline = None if ttl is None else now + ttl
            db.execute(
                "INSERT INTO ctk_counters (namespace, key, value, deadline) VALUES (?, ?, ?, ?)", (*where, by, deadline)
            )
            return by

    def clear(self, prefix: str) -> int:
        under = (len(prefix), prefix)
        with self._write() as db:
            values = db.execute("DELETE FROM ctk_values WHERE substr(namespace, 1, ?) = ?", under).rowcount
            (live,) = db.execute(
                "SELECT COUNT(*) FROM ctk_counters"
                " WHERE substr(namespace, 1, ?) = ? AND (deadline IS NULL OR deadline > ?)",
                (*under, time.time()),
            ).fetchone()
            db.execute("DELETE FROM ctk_counters WHERE substr(namespace, 1, ?) = ?", under)
        return int(values + live)

    def namespaces(self, prefix: str) -> list[str]:
        under = (len(prefix), prefix)
        with self._read() as db:
            rows = db.execute(
                "SELECT namespace FROM ctk_values WHERE substr(namespace, 1, ?) = ?"
                " UNION SELECT namespace FROM ctk_counters WHERE substr(namespace, 1, ?) = ? ORDER BY namespace",
                (*under, *under),
            ).fetchall()
        return [name for (name,) in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._failures("read"):
            yield self._db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction holding the file's write lock from its start; rolled back when the block raises."""
        with self._lock, self._failures("write"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.rollback()
                raise
            self._db.commit()

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise StoreError(
                f"cannot {doing} the SQLite store: {error}",
                where=self.url,
                hint=_hint(error),
            ) from error


def _hint(error: sqlite3.Error) -> str:
    text = str(error).lower()
    if "unable to open" in text:
        return "check that the folder exists and is writable (sqlite:PATH, relative to the workspace root)"
    if "locked" in text or "busy" in text:
        return f"another process held the file for more than {BUSY_TIMEOUT:g} s; is one stuck?"
    if "not a database" in text or "malformed" in text:
        return "the file is not a ctk store: point sqlite: at a new file"
    return "check the file and the disk it is on"
