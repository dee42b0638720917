"""Broadcasts: a facilitator writes to the whole cohort.

The facilitator writes the message, sees a preview with the recipient count, confirms. Delivery
goes through the outbox (so it respects Telegram's limits through the same rate limiter and
429 handling as everything else), and ends with a report to the facilitator: delivered,
blocked, and partners who have not started the bot. Texts are sent as plain text (no parse
mode), so a facilitator's ``*`` or ``<b>`` is never read as markup. One broadcast per cohort
is delivered at a time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.messages import Button, Edit, Message, Outcome
from bot.storage import queues
from bot.storage.tables import broadcasts, cohort_pairs, cohorts, outbox, pairs, users
from scheduler.due import DueItem

if TYPE_CHECKING:
    from bot.domain.legacy.cohorts import Cohorts
    from bot.domain.legacy.service import Tandem, UserInfo

logger = logging.getLogger(__name__)

AWAIT_BROADCAST = "broadcast"
KIND_BROADCAST_REPORT = "broadcast_report"
MAX_BROADCAST_CHARS = 3500
REPORT_CHECK = timedelta(seconds=30)

Row_ = Row[tuple[object, ...]]


class Broadcasts:
    """Compose, preview, confirm and report broadcasts; every step checks that the sender
    is an active facilitator of the cohort."""

    def __init__(self, tandem: Tandem, cohorts_: Cohorts) -> None:
        self.t = tandem
        self.c = cohorts_

    async def start(self, who: UserInfo, cohort_id: int) -> Outcome:
        """The Broadcast button: the next text message is the broadcast (a preview follows)."""
        async with self.t.engine.begin() as conn:
            found = await self.c._own_cohort(conn, who, cohort_id)
            if isinstance(found, Outcome):
                return found
            if found.status == "ended":
                return Outcome(toast=texts.COHORT_ALREADY_ENDED)
            if await self._sending(conn, cohort_id):
                return Outcome(replies=[Message(who.id, texts.BROADCAST_BUSY)], toast="")
            await self.t._set_awaiting(conn, who.id, f"{AWAIT_BROADCAST}:{cohort_id}")
        text = texts.BROADCAST_ASK.format(name=found.name)
        return Outcome(replies=[Message(who.id, text)], toast="")

    async def _sending(self, conn: AsyncConnection, cohort_id: int) -> bool:
        busy = (
            await conn.execute(
                select(broadcasts.c.id).where(
                    broadcasts.c.cohort_id == cohort_id, broadcasts.c.status == "sending"
                )
            )
        ).first()
        return busy is not None

    async def _recipients(self, conn: AsyncConnection, cohort_id: int) -> tuple[list[Row_], int]:
        """Partners of the enrolled pairs (users rows), and how many invited partners have not
        started the bot yet (an open pair invite made from this cohort's enrolment)."""
        people = list(
            (
                await conn.execute(
                    select(users)
                    .join(pairs, (pairs.c.user_a == users.c.id) | (pairs.c.user_b == users.c.id))
                    .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
                    .where(
                        cohort_pairs.c.cohort_id == cohort_id,
                        cohort_pairs.c.status == "enrolled",
                        pairs.c.status == "active",
                    )
                    .order_by(users.c.id)
                )
            ).all()
        )
        return people, await self.c.invited_not_started(conn, cohort_id)

    async def compose(self, who: UserInfo, cohort_id: int, text: str) -> Outcome:
        """The facilitator's text: saved as a draft, shown back as a preview with the number
        of recipients and Send / Cancel buttons."""
        async with self.t.engine.begin() as conn:
            found = await self.c._own_cohort(conn, who, cohort_id)
            await self.t._set_awaiting(conn, who.id, None)
            if isinstance(found, Outcome):
                return Outcome(replies=[Message(who.id, found.toast or texts.COHORT_NOT_YOURS)])
            cleaned = text.strip()
            if not cleaned:
                await self.t._set_awaiting(conn, who.id, f"{AWAIT_BROADCAST}:{cohort_id}")
                return Outcome(replies=[Message(who.id, texts.BROADCAST_EMPTY)])
            if len(cleaned) > MAX_BROADCAST_CHARS:
                await self.t._set_awaiting(conn, who.id, f"{AWAIT_BROADCAST}:{cohort_id}")
                reply = texts.BROADCAST_TOO_LONG.format(n=len(cleaned), max=MAX_BROADCAST_CHARS)
                return Outcome(replies=[Message(who.id, reply)])
            people, _ = await self._recipients(conn, cohort_id)
            broadcast_id = (
                await conn.execute(
                    insert(broadcasts)
                    .values(
                        cohort_id=cohort_id,
                        created_by=who.id,
                        text=cleaned,
                        status="draft",
                        created_at=self.t._now(),
                    )
                    .returning(broadcasts.c.id)
                )
            ).scalar_one()
        preview = texts.BROADCAST_PREVIEW.format(n=len(people), name=found.name, text=cleaned)
        keyboard = (
            (
                Button(texts.BTN_SEND, cb.broadcast(int(broadcast_id), True)),
                Button(texts.BTN_CANCEL, cb.broadcast(int(broadcast_id), False)),
            ),
        )
        return Outcome(replies=[Message(who.id, preview, keyboard)])

    async def confirm(self, who: UserInfo, broadcast_id: int, send: bool) -> Outcome:
        """Send (or cancel) a previewed broadcast. Refused while another broadcast of the
        cohort is still being delivered; a second tap changes nothing."""
        async with self.t.engine.begin() as conn:
            row = (
                await conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id))
            ).first()
            if row is None:
                return Outcome(toast=texts.BUTTON_NOT_YOURS)
            found = await self.c._own_cohort(conn, who, int(str(row.cohort_id)))
            if isinstance(found, Outcome):
                return found
            if row.created_by != who.id:  # a colleague's draft is theirs to send
                return Outcome(toast=texts.BUTTON_NOT_YOURS)
            if row.status != "draft":
                return Outcome(toast=texts.BROADCAST_DONE_ALREADY, edit=Edit(None, ()))
            if not send:
                await conn.execute(
                    update(broadcasts)
                    .where(broadcasts.c.id == broadcast_id)
                    .values(status="cancelled")
                )
                return Outcome(
                    replies=[Message(who.id, texts.BROADCAST_CANCELLED)], edit=Edit(None, ())
                )
            if found.status == "ended":
                return Outcome(toast=texts.COHORT_ALREADY_ENDED, edit=Edit(None, ()))
            if await self._sending(conn, int(str(row.cohort_id))):
                return Outcome(replies=[Message(who.id, texts.BROADCAST_BUSY)], toast="")
            won = await conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == broadcast_id, broadcasts.c.status == "draft")
                .values(status="sending")
            )
            if won.rowcount != 1:
                return Outcome(toast=texts.BROADCAST_DONE_ALREADY, edit=Edit(None, ()))
            people, not_started = await self._recipients(conn, int(str(row.cohort_id)))
            now = self.t._now()
            reachable = [p for p in people if p.active]
            for person in reachable:
                message = Message(int(str(person.id)), str(row.text))
                await queues.enqueue(conn, message, now, broadcast_id=broadcast_id)
            await conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == broadcast_id)
                .values(
                    recipients=len(people),
                    blocked=len(people) - len(reachable),
                    not_started=not_started,
                )
            )
            await queues.schedule_due(
                conn, KIND_BROADCAST_REPORT, f"broadcast:{broadcast_id}", now + REPORT_CHECK, now
            )
        logger.info("broadcast %s: %s recipients", broadcast_id, len(people))
        text = texts.BROADCAST_SENDING.format(n=len(reachable))
        return Outcome(replies=[Message(who.id, text)], edit=Edit(None, ()))

    async def due_report(self, item: DueItem, now: datetime) -> datetime | None:
        """When a broadcast's messages have all been handled (none left in the outbox), tell
        the facilitator what happened; until then, check again shortly."""
        broadcast_id = int(item.subject.split(":")[1])
        async with self.t.engine.begin() as conn:
            row = (
                await conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id))
            ).first()
            if row is None or row.status != "sending":
                return None
            left = (
                await conn.execute(
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.broadcast_id == broadcast_id)
                )
            ).scalar_one()
            if left:
                return now + REPORT_CHECK
            recipients, delivered = int(str(row.recipients)), int(str(row.delivered))
            blocked = recipients - delivered  # refused, or already blocked when it was sent
            await conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == broadcast_id)
                .values(status="done", blocked=blocked, finished_at=now)
            )
            cohort = (
                await conn.execute(select(cohorts).where(cohorts.c.id == row.cohort_id))
            ).first()
            author = await self.t._user(conn, int(str(row.created_by))) if row.created_by else None
            if author is not None and author.active:
                with self.t._speaking(author):
                    text = texts.BROADCAST_REPORT.format(
                        name=cohort.name if cohort is not None else "",
                        delivered=delivered,
                        blocked=blocked,
                        not_started=int(str(row.not_started)),
                    )
                await self.t._tell(conn, Message(int(str(author.id)), text))
        return None
