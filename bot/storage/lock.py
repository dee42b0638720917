"""One process per SQLite file.

SQLite serialises writers inside one file, but Tandem's due work, outbox and update polling
assume one bot process per SQLite database: a second ``tandem run`` on the same file would poll
the same updates and send the same outbox twice over. So ``tandem run`` (and the demo) hold an
exclusive ``fcntl.flock`` on ``<database file>.lock`` for as long as they run; a second process
is refused with one line. The operating system releases the lock when the process ends, also
on a crash or ``kill -9``, so a stale lock file never blocks a restart. PostgreSQL needs no such
lock: several processes share it (claims skip each other's rows).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


class DatabaseInUse(Exception):
    """Another process holds the SQLite file; the message is one line for the operator."""


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite ``url``; None for PostgreSQL or SQLite in memory."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


@contextmanager
def single_process(url: str) -> Iterator[Path | None]:
    """Hold the one-process lock of the SQLite database at ``url`` while the block runs; yields
    the lock file (None, and no lock, for a database that is not an SQLite file).

    The lock file (``<file>.lock``, created when missing) holds the owner's process id.
    Raises DatabaseInUse, naming the file and the other process's id, when another process
    (or another open of the same file in this one) holds it. The rule comes from issue 10: with
    SQLite, a second process on the same file is refused with one clear line.
    """
    database = sqlite_file(url)
    if database is None:
        yield None
        return
    # The real file, whatever name reaches it (a symbolic link, ``./``): one lock per file.
    database = database.resolve()
    path = Path(f"{database}.lock")
    # Opened without truncating: the holder's pid stays readable until we own the lock.
    handle = path.open("a+", encoding="ascii")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise DatabaseInUse(
                f"{database} is already used by another Tandem process (pid {holder}); "
                "SQLite serves one process: use PostgreSQL (DATABASE_URL) for several"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield path
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
