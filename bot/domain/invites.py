"""Deep-link tokens: the one way Tandem makes invite and enrolment links.

A token is 192 random bits (``secrets.token_urlsafe(24)``: 32 characters of ``A-Za-z0-9_-``,
within Telegram's 64-character deep-link payload). Only its SHA-256 is stored, so a database
copy cannot be turned back into working links.
"""

from __future__ import annotations

import hashlib
import secrets
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


async def issue_link(
    deps: Deps,
    tx: UnitOfWork,
    *,
    inviter_id: int,
    kind: InviteKind,
    cohort_id: int | None = None,
) -> str:
    """Store a single-use invite of ``kind`` (valid for its kind's lifetime, see
    :data:`LIFETIMES`) and return its deep link; only the token's hash is stored. A new pair
    invite revokes the inviter's open ones: only the newest link works."""
    if kind is InviteKind.PAIR:
        await tx.invites.revoke_open([inviter_id], InviteKind.PAIR)
    token = new_token()
    await tx.invites.add(
        token_hash=token_hash(token),
        inviter_id=inviter_id,
        kind=kind,
        now=deps.now(),
        ttl=LIFETIMES[kind],
        cohort_id=cohort_id,
    )
    return deep_link(deps.config.bot_username, token)


def deep_link(bot_username: str, token: str) -> str:
    """``https://t.me/<bot>?start=<token>``."""
    return f"https://t.me/{bot_username}?start={token}"
