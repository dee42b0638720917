"""Deep-link tokens: the one way Tandem makes invite and enrolment links.

A token is 192 random bits (``secrets.token_urlsafe(24)``: 32 characters of ``A-Za-z0-9_-``,
within Telegram's 64-character deep-link payload). Only its SHA-256 is stored, so a database
copy cannot be turned back into working links.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.deps import Deps
from bot.domain.model import InviteKind
from bot.domain.ports import UnitOfWork

#: How long an invite link works, by kind (a pair invite made from a cohort's enrolment too).
LIFETIMES: dict[InviteKind, timedelta] = {
    InviteKind.PAIR: timedelta(hours=48),
    InviteKind.FACILITATOR: timedelta(days=7),
    InviteKind.COFACILITATOR: timedelta(days=7),
}


def new_token() -> str:
    """A fresh random deep-link token."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Issued:
    """A new invite's deep link, and how many of the inviter's earlier pair links it ended
    that still worked (0 for other kinds)."""

    link: str
    replaced: int = 0


async def issue_link(
    deps: Deps,
    tx: UnitOfWork,
    *,
    inviter_id: int,
    kind: InviteKind,
    cohort_id: int | None = None,
) -> Issued:
    """Store a single-use invite of ``kind`` (valid for its kind's lifetime, see
    :data:`LIFETIMES`) and return its deep link; only the token's hash is stored. A new pair
    invite revokes the inviter's open ones: only the newest link works (``Issued.replaced``
    counts those that still worked, so the reply can say so)."""
    replaced = 0
    if kind is InviteKind.PAIR:
        replaced = await tx.invites.revoke_open([inviter_id], InviteKind.PAIR, deps.now())
    token = new_token()
    await tx.invites.add(
        token_hash=token_hash(token),
        inviter_id=inviter_id,
        kind=kind,
        now=deps.now(),
        ttl=LIFETIMES[kind],
        cohort_id=cohort_id,
    )
    return Issued(deep_link(deps.config.bot_username, token), replaced)


def deep_link(bot_username: str, token: str) -> str:
    """``https://t.me/<bot>?start=<token>``."""
    return f"https://t.me/{bot_username}?start={token}"
