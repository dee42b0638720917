"""The one registry of commands: each command's operation and who may see it. It drives the
command handlers (``handlers.py``), the command menu (``set_my_commands``, in each shipped
language) and ``/help``.

Descriptions are texts of the catalog (``texts.COMMANDS``, ``FACILITATOR_COMMANDS``,
``ADMIN_COMMANDS``), so they are translated; a registry entry without a description, or a
description without an entry, fails at import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot import texts
from bot.domain import (
    account,
    deeper,
    focus,
    inputs,
    language,
    occasions,
    onboarding,
    packs,
    pairing,
    privacy,
    quiet_hours,
    retention,
    rounds,
    safety,
    settings,
    weekly,
)
from bot.domain.cohorts import enrolment, manage, roles, setup
from bot.domain.deps import Deps
from bot.domain.insight import history, insights
from bot.domain.messages import Outcome
from bot.domain.people import UserInfo


class Audience(StrEnum):
    """Who a command is listed for (everyone may send any; the operation checks roles)."""

    EVERYONE = "everyone"
    FACILITATORS = "facilitators"
    ADMINS = "admins"


#: An operation behind a command: the services, the sender and the words after the command.
Operation = Callable[[Deps, UserInfo, Sequence[str]], Awaitable[Outcome]]


@dataclass(frozen=True)
class Command:
    """One command: ``/name``, the operation it runs and who it is listed for."""

    name: str
    operation: Operation
    audience: Audience = Audience.EVERYONE


_DESCRIPTIONS = {
    Audience.EVERYONE: "COMMANDS",
    Audience.FACILITATORS: "FACILITATOR_COMMANDS",
    Audience.ADMINS: "ADMIN_COMMANDS",
}


def listing(audience: Audience) -> list[tuple[str, str]]:
    """(name, description) of the commands listed for ``audience``, in the language in force
    and in the catalog's order (the menu's order)."""
    return list(getattr(texts, _DESCRIPTIONS[audience]))


async def _help(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    return await onboarding.help_text(
        deps,
        who,
        listing(Audience.EVERYONE),
        listing(Audience.FACILITATORS),
        listing(Audience.ADMINS),
    )


async def _start(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    return await onboarding.start(deps, who, args[0] if args else None)


async def _time(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    if not args:
        return await settings.ask_time(deps, who)
    return await settings.set_time_text(deps, who, " ".join(args))


async def _timezone(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    if not args:
        return await onboarding.ask_timezone(deps, who)
    return await onboarding.set_timezone(deps, who, " ".join(args))


async def _pause(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    return await settings.change_schedule(deps, who, paused=True)


async def _resume(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    return await settings.change_schedule(deps, who, paused=False)


def _plain(call: Callable[[Deps, UserInfo], Awaitable[Outcome]]) -> Operation:
    """An operation that takes no words after the command."""

    async def operation(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
        return await call(deps, who)

    operation.__doc__ = call.__doc__
    return operation


COMMANDS: tuple[Command, ...] = (
    Command("start", _start),
    Command("pair", _plain(pairing.create_invite)),
    Command("checkin", _plain(rounds.checkin)),
    Command("weekly", weekly.weekly),
    Command("focus", focus.focus),
    Command("packs", packs.packs),
    Command("anniversary", occasions.anniversary),
    Command("trip", occasions.trip),
    Command("deeper", deeper.deeper),
    Command("history", _plain(history.history)),
    Command("insights", _plain(insights.insights)),
    Command("settings", _plain(settings.show_settings)),
    Command("frequency", settings.set_frequency_text),
    Command("time", _time),
    Command("timezone", _timezone),
    Command("language", language.language),
    Command("quiet", quiet_hours.quiet),
    Command("pause", _pause),
    Command("resume", _resume),
    Command("cancel", _plain(inputs.cancel)),
    Command("unpair", _plain(pairing.ask_unpair)),
    Command("delete", _plain(account.ask_delete)),
    Command("privacy", _plain(privacy.privacy)),
    Command("export", _plain(privacy.export)),
    Command("retention", _plain(retention.show)),
    Command("cohort", _plain(enrolment.show)),
    Command("leave_cohort", _plain(enrolment.ask_leave)),
    Command("help", _help),
    Command("safety", safety.safety),
    Command("cohort_new", _plain(setup.cohort_new), Audience.FACILITATORS),
    Command("cohorts", _plain(manage.list_cohorts), Audience.FACILITATORS),
    Command("facilitator_invite", _plain(roles.facilitator_invite), Audience.ADMINS),
    Command("facilitators", _plain(roles.list_facilitators), Audience.ADMINS),
)


def _check_descriptions() -> None:
    """Every command has exactly one description and every description a command."""
    for audience in Audience:
        described = [name for name, _ in texts.source_of(_DESCRIPTIONS[audience])]
        registered = [c.name for c in COMMANDS if c.audience is audience]
        if described != registered:
            raise RuntimeError(
                f"{audience} commands {registered} do not match their descriptions {described}"
            )


_check_descriptions()
