"""The one error handler: a failure is logged (ids and the exception's type only: never an
update's text, DESIGN.md privacy rule 5), the update is released so a redelivery is handled,
and the user is told something went wrong. With ``ADMIN_CHAT_ID`` set, that chat gets a short
report (the error's type and the update id, no user content), at most one a minute
(:class:`AdminReports`); the next report counts the ones held back meanwhile."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from telegram import Update
from telegram.error import TelegramError

from bot import texts
from bot.i18n import speaking
from bot.telegram.context import SERVICES_KEY, Services, TandemContext

logger = logging.getLogger(__name__)

#: Where the composition root puts :class:`AdminReports` in ``Application.bot_data``.
ADMIN_REPORTS_KEY = "tandem.admin_reports"


class AdminReports:
    """Rate-limited error reports for the operator's chat ``chat_id``: at most one per
    ``interval`` seconds (default 60) of ``monotonic`` (a clock in seconds, for tests)."""

    def __init__(
        self,
        chat_id: int,
        *,
        interval: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.chat_id = chat_id
        self._interval = interval
        self._monotonic = monotonic
        self._last: float | None = None
        self._held_back = 0

    def report(self, error: BaseException | None, update_id: int | None) -> str | None:
        """The report to send now for ``error`` while handling ``update_id`` (None: outside
        an update), or None when one went out less than ``interval`` ago (then it is counted
        and the next report says how many were held back). Only the type and the id: an
        exception's message may quote what a user wrote."""
        now = self._monotonic()
        if self._last is not None and now - self._last < self._interval:
            self._held_back += 1
            return None
        self._last = now
        where = "outside an update" if update_id is None else f"update {update_id}"
        text = f"Tandem error: {type(error).__name__} ({where})"
        if self._held_back:
            text += f"; {self._held_back} more since the last report"
        self._held_back = 0
        return text


async def on_error(update: object, context: TandemContext) -> None:
    """Log the failure, release the update for a redelivery, apologise in a private chat."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error(
        "error while handling update %s: %s",
        update_id,
        type(context.error).__name__,
        exc_info=context.error,
    )
    await _report(context, update_id)
    if not isinstance(update, Update):
        return
    services: Services | None = context.application.bot_data.get(SERVICES_KEY)
    if services is None:
        return
    await services.updates.release(update.update_id)
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        user = update.effective_user
        with speaking(user.language_code if user is not None else None):
            text = texts.SOMETHING_WRONG
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, text)


async def _report(context: TandemContext, update_id: int | None) -> None:
    """Send the operator's report, if a chat is configured and the rate allows."""
    reports: AdminReports | None = context.application.bot_data.get(ADMIN_REPORTS_KEY)
    if reports is None:
        return
    text = reports.report(context.error, update_id)
    if text is None:
        return
    try:
        await context.bot.send_message(reports.chat_id, text)
    except TelegramError as exc:
        logger.warning("error report not sent: %s", type(exc).__name__)
