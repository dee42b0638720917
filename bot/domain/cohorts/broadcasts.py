"""Broadcasts: a facilitator writes to the whole cohort.

The facilitator writes the message, sees a preview with the recipient count, confirms.
Delivery goes through the outbox (so it respects Telegram's limits through the same rate
limiter and 429 handling as everything else) and ends with a report to the facilitator:
delivered, blocked, and partners who have not started the bot. Texts are sent as plain text
(no parse mode), so a facilitator's ``*`` or ``<b>`` is never read as markup. One broadcast per
cohort is delivered at a time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.cohorts.roles import own_cohort
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Message, Outcome
from bot.domain.model import BroadcastStatus, CohortStatus
from bot.domain.people import UserInfo, deliver, speaking_to, tell
from bot.domain.subjects import AwaitBroadcast, BroadcastSubject, DueKind
from scheduler.due import DueItem

logger = logging.getLogger(__name__)

#: The longest broadcast, in characters (room for Telegram's 4,096 with a header).
MAX_BROADCAST_CHARS = 3500
#: How often a sending broadcast is checked for its report.
REPORT_CHECK = timedelta(seconds=30)


async def start(deps: Deps, who: UserInfo, cohort_id: int) -> Outcome:
    """The Broadcast button: the next text message is the broadcast (a preview follows)."""
    async with deps.db.write() as tx:
        cohort = await own_cohort(deps, tx, who, cohort_id)
        if cohort.status is CohortStatus.ENDED:
            raise Refused(texts.COHORT_ALREADY_ENDED, toast=True)
        if await tx.broadcasts.sending_in(cohort_id):
            return Outcome(replies=[Message(who.id, texts.BROADCAST_BUSY)], toast="")
        await tx.users.set_awaiting(who.id, AwaitBroadcast(cohort_id))
    text = texts.BROADCAST_ASK.format(name=cohort.name)
    return Outcome(replies=[Message(who.id, text)], toast="")


async def compose(deps: Deps, who: UserInfo, cohort_id: int, text: str) -> Outcome:
    """The facilitator's text: saved as a draft, shown back as a preview with the number of
    recipients and Send / Cancel buttons. Empty or too long: asked again."""
    async with deps.db.write() as tx:
        await tx.users.set_awaiting(who.id, None)
        try:
            cohort = await own_cohort(deps, tx, who, cohort_id)
        except Refused as refused:
            return Outcome(replies=[Message(who.id, refused.text)])
        cleaned = text.strip()
        if not cleaned or len(cleaned) > MAX_BROADCAST_CHARS:
            await tx.users.set_awaiting(who.id, AwaitBroadcast(cohort_id))
            reply = (
                texts.BROADCAST_TOO_LONG.format(n=len(cleaned), max=MAX_BROADCAST_CHARS)
                if cleaned
                else texts.BROADCAST_EMPTY
            )
            return Outcome(replies=[Message(who.id, reply)])
        people = await tx.broadcasts.recipients(cohort_id)
        broadcast_id = await tx.broadcasts.create(cohort_id, who.id, cleaned, deps.now())
    # The people it will go to, counted as the send counts them: those who blocked Tandem
    # are not (the report counts them apart).
    reachable = sum(1 for p in people if p.active)
    preview = texts.count("BROADCAST_PREVIEW_N", reachable, name=cohort.name, text=cleaned)
    keyboard = (
        (
            Button(texts.BTN_SEND, cb.broadcast(broadcast_id, True)),
            Button(texts.BTN_CANCEL, cb.broadcast(broadcast_id, False)),
        ),
    )
    return Outcome(replies=[Message(who.id, preview, keyboard)])


async def confirm(deps: Deps, who: UserInfo, broadcast_id: int, send: bool) -> Outcome:
    """Send (or cancel) a previewed broadcast. Refused while another broadcast of the cohort
    is still being delivered; a second tap changes nothing (decided once)."""
    async with deps.db.write() as tx:
        row = await tx.broadcasts.get(broadcast_id)
        if row is None:
            raise Refused(texts.BUTTON_NOT_YOURS, toast=True)
        cohort = await own_cohort(deps, tx, who, row.cohort_id)
        if row.created_by != who.id:  # a colleague's draft is theirs to send
            raise Refused(texts.BUTTON_NOT_YOURS, toast=True)
        if row.status is not BroadcastStatus.DRAFT:
            raise Refused(texts.BROADCAST_DONE_ALREADY, toast=True, close=True)
        if not send:
            await tx.broadcasts.move(broadcast_id, BroadcastStatus.DRAFT, BroadcastStatus.CANCELLED)
            return Outcome(
                replies=[Message(who.id, texts.BROADCAST_CANCELLED)], edit=Edit(None, ())
            )
        if cohort.status is CohortStatus.ENDED:
            raise Refused(texts.COHORT_ALREADY_ENDED, toast=True, close=True)
        if await tx.broadcasts.sending_in(row.cohort_id):
            return Outcome(replies=[Message(who.id, texts.BROADCAST_BUSY)], toast="")
        if not await tx.broadcasts.move(
            broadcast_id, BroadcastStatus.DRAFT, BroadcastStatus.SENDING
        ):
            raise Refused(texts.BROADCAST_DONE_ALREADY, toast=True, close=True)
        people = await tx.broadcasts.recipients(row.cohort_id)
        not_started = await tx.invites.open_for_cohort(row.cohort_id, deps.now())
        now = deps.now()
        reachable = [p for p in people if p.active]
        for person in reachable:
            # Held for the end of the person's quiet hours (issue 12): the report waits for it.
            message = deliver(deps, Message(person.id, row.text), person)
            await tx.outbox.enqueue(message, now, broadcast_id=broadcast_id)
        await tx.broadcasts.set_counts(
            broadcast_id,
            recipients=len(people),
            blocked=len(people) - len(reachable),
            not_started=not_started,
        )
        subject = BroadcastSubject(broadcast_id)
        await tx.due.schedule(DueKind.BROADCAST_REPORT, subject, now + REPORT_CHECK, now)
    logger.info("broadcast %s: %s recipients", broadcast_id, len(people))
    text = texts.count("BROADCAST_SENDING_N", len(reachable))
    return Outcome(replies=[Message(who.id, text)], edit=Edit(None, ()))


async def due_report(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """When a broadcast's messages have all been handled (none left in the outbox), tell the
    facilitator what happened; until then, check again shortly."""
    broadcast_id = BroadcastSubject.parse(item.subject).broadcast_id
    async with deps.db.write() as tx:
        row = await tx.broadcasts.get(broadcast_id)
        if row is None or row.status is not BroadcastStatus.SENDING:
            return None
        if await tx.outbox.pending_for_broadcast(broadcast_id):
            return now + REPORT_CHECK
        blocked = row.recipients - row.delivered  # refused, or already blocked when sent
        await tx.broadcasts.finish(broadcast_id, blocked, now)
        cohort = await tx.cohorts.get(row.cohort_id)
        author = None if row.created_by is None else await tx.users.get(row.created_by)
        if author is not None and author.active:
            with speaking_to(author):
                text = texts.BROADCAST_REPORT.format(
                    name=cohort.name if cohort is not None else "",
                    delivered=row.delivered,
                    blocked=blocked,
                    not_started=row.not_started,
                )
            await tell(deps, tx, Message(author.id, text))
    return None


DUE_HANDLERS = {DueKind.BROADCAST_REPORT: due_report}
