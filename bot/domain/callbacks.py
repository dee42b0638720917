"""Callback data: the short strings carried by inline buttons (Telegram allows 64 bytes).

Callback data is user input: a client can send any string. Parsing is strict, and the ids in
it are only references; every handler checks that the sender belongs to what they name
(DESIGN.md, privacy rule 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64

_ANSWER = re.compile(r"^a:(\d{1,12}):(\d):([a-z0-9_-]{1,12})$")
_WRITE = re.compile(r"^w:(\d{1,12}):(\d)$")
_TYPED = re.compile(r"^ty:([sen]):(\d{1,12}):([0-9a-f]{8})$")
_INVITE = re.compile(r"^i:(\d{1,12}):([yn])$")
_SIMPLE = re.compile(r"^(unpair|delete):([ynr])(?::(\d{1,12}))?$")
_FREQ = re.compile(r"^f:(daily|weekdays|weekly|off)$")
_WEEKDAY = re.compile(r"^wd:([0-6])$")
_TZ = re.compile(r"^tz:([A-Za-z0-9_+/-]{1,58})$")
_PAIR_TZ = re.compile(r"^ptz:(me|partner)$")
_SETTING = re.compile(r"^s:(time|tz|pause|resume|keep)$")
_PICK = re.compile(r"^x(d?):(\d{1,12}):([0-2]|n)$")
_REMIND = re.compile(r"^xr:(\d{1,12}):(type|none|\d{8,10})$")
_HISTORY = re.compile(r"^h:(\d{1,6})$")
_FOCUS = re.compile(r"^fo:([a-z_]{1,20}|clear)$")
_WEEKLY = re.compile(r"^wk:([0-6]|off)$")
_REVOKE = re.compile(r"^fv:(\d{1,15})$")
_SETUP = re.compile(r"^cn:(prog|start|day|days|tz|session):([A-Za-z0-9_+/-]{1,50})$")
_COHORT = re.compile(r"^co:(status|pause|resume|end|endyes|export|broadcast|cofac):(\d{1,12})$")
_CONSENT = re.compile(r"^(ce|lc|bc):(\d{1,12}):([yn])$")
_RETENTION = re.compile(r"^rt:(3|6|12|forever)$")
_PROPOSAL = re.compile(r"^rta:(\d{1,12}):(3|6|12|forever):([yn])$")
_SCHEDULE_PROPOSAL = re.compile(r"^sp:(\d{1,12}):(\d{1,9}):([yn])$")
_SAFETY_REMOVE = re.compile(r"^sf:rm:(\d{1,12})$")
_DEEPER = re.compile(r"^dq:([yn])$")
_PACK = re.compile(r"^pk:([a-z0-9][a-z0-9_-]{0,39}):([01])$")
_LANGUAGE = re.compile(r"^lg:(auto|[a-z]{2,3}(?:_[A-Za-z0-9]{2,8})?)$")
_REACTION = re.compile(r"^rx:(\d{1,12}):([tks])$")

#: A language button that follows Telegram's setting again instead of naming a language.
FOLLOW_TELEGRAM = "auto"
#: Reactions to a reveal as stored (see ``bot.domain.reactions``) and their letter in data.
_REACTION_CODES = {"thanks": "t", "talk": "k", "smile": "s"}

SKIP = "skip"


@dataclass(frozen=True)
class AnswerData:
    """A scale/choice answer or a skip (``value == SKIP``) for one round position."""

    round_id: int
    position: int
    value: str


@dataclass(frozen=True)
class WriteData:
    """ "Write my answer" for an open question: the next text message answers it."""

    round_id: int
    position: int


@dataclass(frozen=True)
class TypedData:
    """What a typed text shown back was: ``send`` it as the answer, ``edit`` it first, or
    ``not`` an answer. ``message_id``: the typed message it was shown for."""

    action: str
    message_id: int
    version: str  # 8 hex digits of the shown text's SHA-256: an edit makes the prompt stale


@dataclass(frozen=True)
class InviteData:
    """Accept or decline the invite the user opened."""

    invite_id: int
    accept: bool


@dataclass(frozen=True)
class ConfirmData:
    """Yes/no to a confirmation question (``what`` is "unpair" or "delete")."""

    what: str
    yes: bool
    subject_id: int | None = None  # the pair an unpair button was shown for
    take_back: bool = False  # yes, and take back recent messages showing answers


@dataclass(frozen=True)
class FrequencyData:
    """A new frequency for the pair's schedule."""

    frequency: str


@dataclass(frozen=True)
class WeekdayData:
    """The weekday (0 = Monday) for a weekly schedule."""

    weekday: int


@dataclass(frozen=True)
class TimezoneData:
    """A timezone picked from the tap-list (an IANA name, still to be validated)."""

    zone: str


@dataclass(frozen=True)
class PairTimezoneData:
    """Use this partner's ("me") or the other's ("partner") timezone for the schedule."""

    whose: str


@dataclass(frozen=True)
class SettingData:
    """A settings action: time, tz, pause, resume, keep (the pair's timezone)."""

    action: str


@dataclass(frozen=True)
class PickData:
    """An exercise pick (option index as text, or ``n`` for not now) for an offer.

    ``decide`` is True for the buttons that settle different picks."""

    offer_id: int
    choice: str
    decide: bool


@dataclass(frozen=True)
class RemindData:
    """A reminder choice for an agreed exercise: an instant (minutes since the epoch, UTC, as
    digits), ``type`` or ``none``."""

    offer_id: int
    when: str


@dataclass(frozen=True)
class HistoryData:
    """A page of /history: how many revealed rounds to skip (newest first)."""

    offset: int


@dataclass(frozen=True)
class FocusData:
    """Toggle one dimension in the pair's focus (its value), or ``clear``."""

    dimension: str


@dataclass(frozen=True)
class PackData:
    """Turn the life-stage pack ``pack_id`` on (``on``) or off; the id is checked against the
    content, never trusted."""

    pack_id: str
    on: bool


@dataclass(frozen=True)
class WeeklyData:
    """The weekday (0 = Monday) for the weekly deeper round, or None to turn it off."""

    weekday: int | None


@dataclass(frozen=True)
class RevokeData:
    """An admin removes the facilitator with this Telegram user id."""

    user_id: int


@dataclass(frozen=True)
class SetupData:
    """A button of the /cohort_new conversation: the step it answers and its value."""

    step: str
    value: str


@dataclass(frozen=True)
class CohortData:
    """A facilitator's cohort button: status, pause, resume, end, endyes, export, broadcast."""

    action: str
    cohort_id: int


@dataclass(frozen=True)
class ConsentData:
    """Join (``what == "ce"``) or leave (``"lc"``) a cohort, or send (``"bc"``) a previewed
    broadcast (the id is then the broadcast's), yes or no."""

    what: str
    cohort_id: int
    yes: bool


@dataclass(frozen=True)
class RetentionData:
    """A retention chosen on the /retention screen (``3``, ``6``, ``12`` or ``forever``)."""

    choice: str


@dataclass(frozen=True)
class ProposalData:
    """Agree (or not) to the partner's proposal to keep pair ``pair_id``'s rounds for
    ``choice``."""

    pair_id: int
    choice: str
    yes: bool


@dataclass(frozen=True)
class ScheduleProposalData:
    """Accept (or not) schedule proposal number ``seq`` of pair ``pair_id`` (a change that
    lands in the presser's quiet hours). Both numbers are references only: the pair must be
    the presser's, and the number the one waiting."""

    pair_id: int
    seq: int
    yes: bool


@dataclass(frozen=True)
class SafetyRemoveData:
    """Remove the /safety page and the user's /safety command (this message id) from the
    user's own chat; honoured only on the page whose keyboard really carries it."""

    command_id: int


@dataclass(frozen=True)
class DeeperData:
    """The sender's own yes or no to sensitive questions (/deeper)."""

    yes: bool


@dataclass(frozen=True)
class LanguageData:
    """A /language button: a locale name (still to be checked against the shipped ones) or
    :data:`FOLLOW_TELEGRAM`."""

    language: str


@dataclass(frozen=True)
class ReactionData:
    """A reaction (``thanks``, ``talk`` or ``smile``) to the reveal of round ``round_id``; the
    round is only a reference: the presser's membership is checked."""

    round_id: int
    reaction: str


CallbackData = (
    AnswerData
    | WriteData
    | TypedData
    | InviteData
    | ConfirmData
    | FrequencyData
    | WeekdayData
    | TimezoneData
    | PairTimezoneData
    | SettingData
    | PickData
    | RemindData
    | HistoryData
    | FocusData
    | PackData
    | WeeklyData
    | RevokeData
    | SetupData
    | CohortData
    | ConsentData
    | RetentionData
    | ProposalData
    | ScheduleProposalData
    | SafetyRemoveData
    | DeeperData
    | LanguageData
    | ReactionData
)


def answer(round_id: int, position: int, value: str) -> str:
    """Callback data for answering ``value`` (a scale digit, an option id or SKIP)."""
    return f"a:{round_id}:{position}:{value}"


def write(round_id: int, position: int) -> str:
    """Callback data for "Write my answer"."""
    return f"w:{round_id}:{position}"


_TYPED_ACTIONS = {"send": "s", "edit": "e", "not": "n"}


def typed(action: str, message_id: int, version: str) -> str:
    """Callback data for a typed text shown back (``send``, ``edit`` or ``not``); ``version``:
    8 hex digits naming the text as shown."""
    return f"ty:{_TYPED_ACTIONS[action]}:{message_id}:{version}"


def invite(invite_id: int, accept: bool) -> str:
    """Callback data for accepting or declining an invite."""
    return f"i:{invite_id}:{'y' if accept else 'n'}"


def confirm(what: str, yes: bool, subject_id: int | None = None, *, take_back: bool = False) -> str:
    """Callback data for a yes/no confirmation, optionally bound to what it was asked about;
    ``take_back``: yes, and take back the messages showing answers (see ``ConfirmData``)."""
    base = f"{what}:{'r' if take_back else 'y' if yes else 'n'}"
    return base if subject_id is None else f"{base}:{subject_id}"


def frequency(value: str) -> str:
    """Callback data for a schedule frequency (``daily``, ``weekdays``, ``weekly``, ``off``)."""
    return f"f:{value}"


def weekday(day: int) -> str:
    """Callback data for the weekday (0 = Monday) of a weekly schedule."""
    return f"wd:{day}"


def timezone(zone: str) -> str:
    """Callback data for a timezone from the tap-list (an IANA name), or ``other``."""
    return f"tz:{zone}"


def pair_timezone(whose: str) -> str:
    """Callback data for whose timezone the schedule follows (``me`` or ``partner``)."""
    return f"ptz:{whose}"


def setting(action: str) -> str:
    """Callback data for a settings action (``time``, ``tz``, ``pause``, ``resume``,
    ``keep``)."""
    return f"s:{action}"


def pick(offer_id: int, choice: str) -> str:
    """Callback data for a private exercise pick (option index or ``n``)."""
    return f"x:{offer_id}:{choice}"


def decide(offer_id: int, choice: str) -> str:
    """Callback data for settling different picks (option index or ``n``)."""
    return f"xd:{offer_id}:{choice}"


def remind(offer_id: int, when: str) -> str:
    """Callback data for a reminder choice (epoch minutes, ``type`` or ``none``)."""
    return f"xr:{offer_id}:{when}"


def history(offset: int) -> str:
    """Callback data for a /history page starting ``offset`` rounds back."""
    return f"h:{offset}"


def focus(dimension: str) -> str:
    """Callback data for toggling a focus dimension (or ``clear``)."""
    return f"fo:{dimension}"


def pack(pack_id: str, on: bool) -> str:
    """Callback data for turning a life-stage pack on or off (an id of up to 40 characters:
    at most 46 bytes)."""
    return f"pk:{pack_id}:{int(on)}"


def weekly(weekday: int | None) -> str:
    """Callback data for the weekly round's day (None turns it off)."""
    return f"wk:{'off' if weekday is None else weekday}"


def revoke(user_id: int) -> str:
    """Callback data for removing a facilitator."""
    return f"fv:{user_id}"


def cohort_setup(step: str, value: str) -> str:
    """Callback data for a /cohort_new button."""
    return f"cn:{step}:{value}"


def cohort_action(action: str, cohort_id: int) -> str:
    """Callback data for a facilitator's cohort button."""
    return f"co:{action}:{cohort_id}"


def consent(cohort_id: int, yes: bool) -> str:
    """Callback data for joining a cohort (or not)."""
    return f"ce:{cohort_id}:{'y' if yes else 'n'}"


def leave(cohort_id: int, yes: bool) -> str:
    """Callback data for confirming /leave_cohort."""
    return f"lc:{cohort_id}:{'y' if yes else 'n'}"


def broadcast(broadcast_id: int, send: bool) -> str:
    """Callback data for sending (or cancelling) a previewed broadcast."""
    return f"bc:{broadcast_id}:{'y' if send else 'n'}"


def retention(choice: str) -> str:
    """Callback data for choosing a retention (``3``, ``6``, ``12`` or ``forever``)."""
    return f"rt:{choice}"


def proposal(pair_id: int, choice: str, yes: bool) -> str:
    """Callback data for agreeing (or not) to keep pair ``pair_id``'s rounds for ``choice``."""
    return f"rta:{pair_id}:{choice}:{'y' if yes else 'n'}"


def schedule_proposal(pair_id: int, seq: int, yes: bool) -> str:
    """Callback data for accepting (or not) schedule proposal ``seq`` of pair ``pair_id``."""
    return f"sp:{pair_id}:{seq}:{'y' if yes else 'n'}"


def safety_remove(command_id: int) -> str:
    """Callback data for removing the /safety exchange (the user's command is ``command_id``)."""
    return f"sf:rm:{command_id}"


def deeper(yes: bool) -> str:
    """Callback data for the sender's yes or no to sensitive questions."""
    return f"dq:{'y' if yes else 'n'}"


def language(choice: str) -> str:
    """Callback data for choosing a language (a locale name such as ``es``, at most 12
    characters) or :data:`FOLLOW_TELEGRAM`."""
    return f"lg:{choice}"


def reaction(round_id: int, name: str) -> str:
    """Callback data for reacting ``name`` (``thanks``, ``talk``, ``smile``) to a reveal."""
    return f"rx:{round_id}:{_REACTION_CODES[name]}"


def parse(data: str | None) -> CallbackData | None:
    """Parse callback data; None for anything malformed, unknown or over 64 bytes."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    if m := _ANSWER.match(data):
        return AnswerData(int(m[1]), int(m[2]), m[3])
    if m := _WRITE.match(data):
        return WriteData(int(m[1]), int(m[2]))
    if m := _TYPED.match(data):
        action = next(k for k, v in _TYPED_ACTIONS.items() if v == m[1])
        return TypedData(action, int(m[2]), m[3])
    if m := _INVITE.match(data):
        return InviteData(int(m[1]), m[2] == "y")
    if m := _SIMPLE.match(data):
        return ConfirmData(m[1], m[2] in "yr", int(m[3]) if m[3] else None, m[2] == "r")
    if m := _FREQ.match(data):
        return FrequencyData(m[1])
    if m := _WEEKDAY.match(data):
        return WeekdayData(int(m[1]))
    if m := _TZ.match(data):
        return TimezoneData(m[1])
    if m := _PAIR_TZ.match(data):
        return PairTimezoneData(m[1])
    if m := _SETTING.match(data):
        return SettingData(m[1])
    if m := _PICK.match(data):
        return PickData(int(m[2]), m[3], m[1] == "d")
    if m := _REMIND.match(data):
        return RemindData(int(m[1]), m[2])
    if m := _HISTORY.match(data):
        return HistoryData(int(m[1]))
    if m := _FOCUS.match(data):
        return FocusData(m[1])
    if m := _PACK.match(data):
        return PackData(m[1], m[2] == "1")
    if m := _WEEKLY.match(data):
        return WeeklyData(None if m[1] == "off" else int(m[1]))
    if m := _REVOKE.match(data):
        return RevokeData(int(m[1]))
    if m := _SETUP.match(data):
        return SetupData(m[1], m[2])
    if m := _COHORT.match(data):
        return CohortData(m[1], int(m[2]))
    if m := _CONSENT.match(data):
        return ConsentData(m[1], int(m[2]), m[3] == "y")
    if m := _RETENTION.match(data):
        return RetentionData(m[1])
    if m := _PROPOSAL.match(data):
        return ProposalData(int(m[1]), m[2], m[3] == "y")
    if m := _SCHEDULE_PROPOSAL.match(data):
        return ScheduleProposalData(int(m[1]), int(m[2]), m[3] == "y")
    if m := _SAFETY_REMOVE.match(data):
        return SafetyRemoveData(int(m[1]))
    if m := _DEEPER.match(data):
        return DeeperData(m[1] == "y")
    if m := _LANGUAGE.match(data):
        return LanguageData(m[1])
    if m := _REACTION.match(data):
        name = next(k for k, v in _REACTION_CODES.items() if v == m[2])
        return ReactionData(int(m[1]), name)
    return None
