"""``/quiet``: each person's own quiet hours (issue 12, "Quiet hours per person").

``/quiet`` shows them, ``/quiet 23:00 07:30`` sets them (times read like ``/time``),
``/quiet off`` turns them off, ``/quiet on`` brings back the default 22:00–08:00. They are read
on the person's own clock. The partner is never told of a change (a controlling partner learns
nothing from it), though ``/settings`` shows both partners' hours. What they do to delivery is
:mod:`bot.domain.quiet`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot import texts
from bot.domain.deps import Deps
from bot.domain.messages import Message, Outcome
from bot.domain.model import Pair, User
from bot.domain.people import UserInfo, pair_of, touch, zone_of
from bot.domain.quiet import quiet_text
from bot.domain.schedule import coming_slot
from scheduler.cadence import (
    QUIET_OFF,
    Frequency,
    QuietHours,
    TimeOfDayError,
    local_time,
    parse_time_of_day,
    quiet_from_stored,
)


@dataclass(frozen=True)
class QuietChoice:
    """What ``/quiet <words>`` asks for: ``stored`` is the value for ``users.quiet_hours``
    (None: the default 22:00–08:00; ``"off"``; ``"HH:MM-HH:MM"``)."""

    stored: str | None

    @property
    def hours(self) -> QuietHours | None:
        """The quiet hours this choice means (None: off)."""
        return quiet_from_stored(self.stored)


class QuietInputError(ValueError):
    """``/quiet`` words that set nothing. ``reason``: ``"two_times"`` (one time, or more than
    two), ``"same"`` (start equals end), or a :class:`scheduler.cadence.TimeReason` value (a
    time that does not read)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: Between the two times: a dash (any), "to", or just spaces.
_BETWEEN = re.compile(r"\s*(?:[-\u2010-\u2015]|\bto\b)\s*", re.IGNORECASE)
#: An am/pm written apart from its time ("8 pm").
_SUFFIX = re.compile(r"^(?:a\.?m\.?|p\.?m\.?)$", re.IGNORECASE)


def _split_times(text: str) -> list[str]:
    """The time words of ``text``: split at a dash or "to" if there is one, else at spaces, an
    "am"/"pm" standing alone kept with the time before it."""
    parts = [p for p in _BETWEEN.split(text.strip()) if p]
    if len(parts) != 1 or not parts[0]:
        return parts
    words: list[str] = []
    for word in parts[0].split():
        if words and _SUFFIX.match(word):
            words[-1] += " " + word
        else:
            words.append(word)
    return words


def parse_quiet(args: Sequence[str]) -> QuietChoice:
    """The choice in the words after ``/quiet`` (at least one): ``off``, ``on``, or a start and
    an end time as ``/time`` reads them (``23:00 07:30``, ``11pm-7:30am``, ``23:00 to 07:30``).
    Raises :class:`QuietInputError` for anything else. Issue 12."""
    text = " ".join(args).strip()
    lowered = text.lower()
    if lowered == "off":
        return QuietChoice(QUIET_OFF)
    if lowered == "on":
        return QuietChoice(None)
    words = _split_times(text)
    times = []
    for word in words[:2]:
        try:
            times.append(parse_time_of_day(word))
        except TimeOfDayError as exc:
            raise QuietInputError(exc.reason.value) from None
    if len(words) != 2:
        raise QuietInputError("two_times")
    start, end = times
    if start == end:
        raise QuietInputError("same")
    return QuietChoice(QuietHours(start, end).stored())


def _refusal(reason: str) -> str:
    """The reply to words that set nothing, in the language in force."""
    if reason == "two_times":
        return texts.QUIET_TWO_TIMES
    if reason == "same":
        return texts.QUIET_SAME
    return texts.TIME_REASONS[reason] + "\n\n" + texts.QUIET_FORMAT


async def quiet(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/quiet [off | on | START END]``: show or set the sender's quiet hours (no pair
    needed). Bad words change nothing and get a reply that says the format. After a change,
    messages held for the end of the old quiet hours wait for the new ones (or come now), and
    a pair whose check-in time now falls inside them is told their check-ins will come
    without sound. The partner is not told."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        if not args:
            return Outcome(replies=[Message(who.id, show_text(deps, user))])
        try:
            choice = parse_quiet(args)
        except QuietInputError as exc:
            return Outcome(replies=[Message(who.id, _refusal(exc.reason))])
        now = deps.now()
        await tx.users.set_quiet_hours(user.id, choice.stored, now)
        hours = choice.hours
        # What waits for the end of the old quiet hours waits for the new ones instead
        # (``/quiet off``: it comes now).
        until = None if hours is None else hours.end_after(now, zone_of(deps, user))
        await tx.outbox.rehold(user.id, until, now)
        found = await pair_of(tx, user)
    if hours is None:
        return Outcome(replies=[Message(who.id, texts.QUIET_SET_OFF)])
    text = texts.QUIET_SET.format(hours=quiet_text(hours, texts.QUIET_OFF_WORD))
    note = None if found is None else silent_checkins(deps, user, found[0], hours)
    if note is not None:
        text += "\n\n" + note
    return Outcome(replies=[Message(who.id, text)])


def show_text(deps: Deps, user: User) -> str:
    """What ``/quiet`` alone shows ``user``, in the language in force."""
    hours = user.quiet
    if hours is None:
        return texts.QUIET_SHOW_OFF
    return texts.QUIET_SHOW.format(
        hours=quiet_text(hours, texts.QUIET_OFF_WORD), zone=zone_of(deps, user)
    )


def silent_checkins(deps: Deps, user: User, pair: Pair, hours: QuietHours) -> str | None:
    """The note that the pair's check-ins (daily lane, else the weekly one) come at a local
    time inside ``user``'s new quiet ``hours``, so they will arrive without sound; None when
    neither schedule falls inside them (or the pair is paused)."""
    if pair.paused:
        return None
    zone = zone_of(deps, user)
    for cadence in (pair.cadence(), pair.weekly_cadence()):
        if cadence is None or cadence.frequency is Frequency.OFF:
            continue
        local = local_time(coming_slot(deps, cadence), zone)
        if hours.contains(local.time()):
            return texts.QUIET_CHECKINS_SILENT.format(local=local.strftime("%H:%M"))
    return None


def settings_line(user: User, partner: User) -> str:
    """The ``/settings`` line with both partners' quiet hours, each on their own clock, in the
    language in force."""
    mine = quiet_text(user.quiet, texts.QUIET_OFF_WORD)
    theirs = partner.quiet
    if theirs is None:
        return texts.SETTINGS_QUIET_PARTNER_OFF.format(mine=mine, partner=partner.first_name)
    return texts.SETTINGS_QUIET.format(
        mine=mine, partner=partner.first_name, theirs=quiet_text(theirs, "")
    )
