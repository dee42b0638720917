"""Free text at rest: encrypted with ``cryptography``'s ``MultiFernet`` (issue 9, "At rest";
DESIGN.md, privacy rule 9).

A column is marked encrypted in one place, its type in ``tables.py``: :class:`EncryptedText`
encrypts on the way in and decrypts on the way out, with the :class:`Keyring` bound to the
engine (:func:`bind_keyring`), so the storage modules and the domain see plain ``str``.
:data:`ENCRYPTED` lists those columns for the checks and the rotation that read them raw.

Keys come from ``ENCRYPTION_KEYS`` (comma-separated, newest first) or, for the embedded SQLite
default, from a key file beside the database (``<database file>.key``, mode 0600, same format),
created on the first run (:func:`choose_keyring`). A start-up with encrypted rows and no key,
or keys that do not open them, raises :class:`KeyringError` before anything is changed.

Nothing here puts key material into a message: errors name the setting or the file only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Dialect, Text, column, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeDecorator

#: The environment variable that carries the keys (named in messages, never its value).
KEYS_SETTING = "ENCRYPTION_KEYS"


class KeyringError(Exception):
    """Encrypted text cannot be read or written: no key, a malformed key, or keys that open
    none of the stored rows. The message is one line without key material."""


class Keyring:
    """Fernet keys, newest first: encrypts with the newest, decrypts with any of them.

    Raises KeyringError for an empty list or a malformed key (naming its position only).
    ``repr`` shows how many keys there are, never a key.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise KeyringError("no encryption key given")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip().encode("ascii")))
            except (ValueError, UnicodeError):
                raise KeyringError(
                    f"key {position} is not a Fernet key (`tandem keys new` prints one)"
                ) from None
        self._fernet = MultiFernet(fernets)
        self.size = len(fernets)

    def __repr__(self) -> str:
        return f"Keyring({self.size} key{'s' if self.size != 1 else ''})"

    def encrypt(self, text: str) -> str:
        """``text`` as a Fernet token (ASCII) under the newest key."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The text inside ``token``. Raises KeyringError when no key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise KeyringError("none of the encryption keys opens the stored text") from None

    def opens(self, token: str) -> bool:
        """Whether one of the keys decrypts ``token``."""
        try:
            self.decrypt(token)
        except KeyringError:
            return False
        return True

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted under the newest key (``MultiFernet.rotate``). Raises
        KeyringError when no key opens it."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise KeyringError("none of the encryption keys opens the stored text") from None


def new_key() -> str:
    """A fresh Fernet key (32 random bytes, url-safe base64), for ``tandem keys new``."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(text: str) -> list[str]:
    """Keys written as ``ENCRYPTION_KEYS`` and the key file hold them: comma- or
    newline-separated, newest first; blanks ignored."""
    return [k.strip() for k in text.replace("\n", ",").split(",") if k.strip()]


# ---------------------------------------------------------------- the keyring of an engine

_BOUND: WeakKeyDictionary[Dialect, Keyring] = WeakKeyDictionary()


def bind_keyring(engine: AsyncEngine, keyring: Keyring | None) -> None:
    """Make ``keyring`` the one :class:`EncryptedText` columns use on ``engine`` (None: those
    columns refuse to be read or written)."""
    if keyring is None:
        _BOUND.pop(engine.sync_engine.dialect, None)
    else:
        _BOUND[engine.sync_engine.dialect] = keyring


def keyring_of(dialect: Dialect) -> Keyring:
    """The keyring bound to the engine of ``dialect``. Raises KeyringError when none is."""
    keyring = _BOUND.get(dialect)
    if keyring is None:
        raise KeyringError("no encryption key is bound to this database")
    return keyring


class EncryptedText(TypeDecorator[str]):
    """A text column stored as a Fernet token under the engine's keyring.

    Equality in SQL means nothing for it (every encryption differs): select rows by other
    columns. Raises KeyringError when no keyring is bound or none of its keys opens a value.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).decrypt(str(value))


# ------------------------------------------------------------------ the encrypted columns


@dataclass(frozen=True)
class Sealed:
    """One encrypted column: its table, name and primary key (for batches in key order)."""

    table: str
    column: str
    key: tuple[str, ...]

    def raw(self) -> TableClause:
        """The table with the column as plain text (the stored tokens) and its key."""
        return table(self.table, column(self.column, Text), *(column(k) for k in self.key))


#: Every column of type EncryptedText in ``tables.py`` (a test checks the two agree).
ENCRYPTED: tuple[Sealed, ...] = (
    Sealed("answers", "text", ("round_id", "position", "user_id")),
    Sealed("outbox", "text", ("id",)),
    Sealed("outbox", "buttons", ("id",)),
    Sealed("broadcasts", "text", ("id",)),
    Sealed("cohort_drafts", "fields", ("user_id",)),
    Sealed("typed_answers", "text", ("user_id",)),
)

#: The column whose presence says the schema encrypts (added with the encryption itself):
#: before it, the columns above held plain text and the migration encrypts them.
MARK = ENCRYPTED[0]


def _schema_encrypts(conn: Connection) -> bool:
    from sqlalchemy import inspect

    inspector = inspect(conn)
    if not inspector.has_table(MARK.table):
        return False
    return MARK.column in {c["name"] for c in inspector.get_columns(MARK.table)}


#: How many rows from each end of an encrypted column the start-up check looks at.
SAMPLE_WINDOW = 1000


def encrypted_samples(conn: Connection) -> list[str]:
    """A stored token from each end of every encrypted column (its first and last
    :data:`SAMPLE_WINDOW` rows by primary key): the start-up check reads a few rows,
    not all (start-up must not grow with the data; a column that is mostly empty, such as
    ``answers.text`` where button answers dominate, was scanned to its end)."""
    if not _schema_encrypts(conn):
        return []
    found: list[str] = []
    for sealed in ENCRYPTED:
        raw = sealed.raw()
        value = raw.c[sealed.column]
        keys = [raw.c[k] for k in sealed.key]
        for order in (keys, [k.desc() for k in keys]):
            window = select(value.label("token")).order_by(*order).limit(SAMPLE_WINDOW).subquery()
            row = conn.execute(
                select(window.c.token).where(window.c.token.is_not(None)).limit(1)
            ).first()
            if row is not None:
                found.append(str(row[0]))
    return found


# ---------------------------------------------------------------- where the keys come from


def key_file_for(url: str) -> Path | None:
    """The key file beside an SQLite database file (``<file>.key``); None for a database that
    is not a file (PostgreSQL, SQLite in memory)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database + ".key")


def _read_key_file(path: Path) -> Keyring:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeError) as exc:
        raise KeyringError(f"cannot read the key file {path}: {type(exc).__name__}") from None
    try:
        return Keyring(parse_keys(text))
    except KeyringError as exc:
        raise KeyringError(f"the key file {path}: {exc}") from None


def _create_key_file(path: Path) -> Keyring:
    """Write a fresh key to ``path``, readable by this user only; never over an existing file
    (O_EXCL), so a lost race or a file that appeared meanwhile is read instead."""
    key = new_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    except OSError as exc:
        raise KeyringError(f"cannot create the key file {path}: {type(exc).__name__}") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return Keyring([key])


def require_key_source(url: str, configured: Sequence[str]) -> None:
    """Raise KeyringError when the database at ``url`` has nowhere to get keys from: no
    ``ENCRYPTION_KEYS`` and no key file possible (it is not an SQLite file)."""
    if not configured and key_file_for(url) is None:
        raise KeyringError(
            f"{KEYS_SETTING} is not set: a database that is not an SQLite file needs it "
            "(`tandem keys new` prints a key)"
        )


def choose_keyring(
    url: str, configured: Sequence[str], samples: Sequence[str], *, create: bool = True
) -> Keyring:
    """The keyring for the database at ``url``, checked against ``samples`` of its encrypted
    rows (:func:`encrypted_samples`).

    ``configured``: the keys of ``ENCRYPTION_KEYS`` (newest first), or empty: then the key file
    beside an SQLite file is read, or created (mode 0600) when it does not exist and nothing
    encrypted is stored yet (unless ``create`` is False).

    Raises KeyringError, having changed nothing (no key file is created), when: the database is
    not a file and no keys are configured; encrypted rows exist and there is no key, or there
    is none and ``create`` is False; or the keys do not open every sample.
    """
    require_key_source(url, configured)
    path = key_file_for(url)
    if configured:
        keyring: Keyring | None = Keyring(configured)
    else:
        assert path is not None
        keyring = _read_key_file(path) if path.exists() else None
    if samples and keyring is None:
        raise KeyringError(
            f"the database holds encrypted text but the key file {path} is missing: restore "
            f"it from your backup of the key, or set {KEYS_SETTING}"
        )
    if keyring is not None:
        if not all(keyring.opens(sample) for sample in samples):
            source = KEYS_SETTING if configured else f"the key file {path}"
            raise KeyringError(f"{source} does not open the database's encrypted text")
        return keyring
    assert path is not None
    if not create:
        raise KeyringError(
            f"no key: the key file {path} does not exist and {KEYS_SETTING} is unset"
        )
    return _create_key_file(path)
