"""Error reports for the operator: with ``ADMIN_CHAT_ID`` set, the error handler
(``errors.py``) sends that chat a short report of each failure (the error's type and the update
id, never user content), at most one a minute (:class:`AdminReports`); the next report counts
the ones held back meanwhile."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram.error import TelegramError

from bot.telegram.context import TandemContext

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


async def report_error(context: TandemContext, update_id: int | None) -> None:
    """Send the operator's report for ``context.error`` while handling ``update_id`` (None:
    outside an update), if ``ADMIN_CHAT_ID`` is set and the rate allows; never raises for
    Telegram's refusal."""
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
