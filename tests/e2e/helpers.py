"""Plain helpers shared by several end-to-end modules; import them explicitly
(``from tests.e2e.helpers import ...``). The generic ones (``make_pair``, ``open_round``, ...)
live in ``tests/conftest.py``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot import texts
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from content.schema import Dimension, Question
from tests.conftest import Picker, invite_link, make_pair, open_round, start_user

# ----------------------------------------------------------------------------------------- dates


# START (conftest) is Monday 2 March 2026, 09:00 UTC = 10:00 in Berlin; pairs default to a
# daily check-in at 20:00 Europe/Berlin = 19:00 UTC.
SUN_8_MAR_10_BERLIN = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
OFFER_ASK_START = "Pick the one you'd like"


# --------------------------------------------------------------------------- the question picker


class DimensionPicker(Picker):
    """The conftest picker, plus: with ``dimension`` set, the first scale question of that
        dimension that has a mismatch rule; for ``prefer == "scale"``, scale questions with a
        mismatch rule first (so 5 against 1 always pulls apart: not a giving <-> receiving one,
    where those answers mirror each other). Records every candidate list it
        was offered (``seen``) and their weights (``weights``)."""

    def __init__(self) -> None:
        super().__init__()
        self.dimension: Dimension | None = None
        self.seen: list[list[str]] = []
        self.weights: list[dict[str, float]] = []

    def __call__(self, candidates: Sequence[Question], weights: Sequence[float] = ()) -> Question:
        self.seen.append([q.id for q in candidates])
        self.weights.append(dict(zip((q.id for q in candidates), weights, strict=False)))
        wanted = [
            q
            for q in candidates
            if q.kind == "scale"
            and q.mismatch is not None
            and q.mismatch.measure == "gap"
            and (self.dimension is None or q.dimension is self.dimension)
        ]
        if wanted and (self.dimension is not None or self.prefer == "scale"):
            self.asked.append(wanted[0])
            return wanted[0]
        return super().__call__(candidates)


# ----------------------------------------------------------------------------------------- chats


def logged(caplog: pytest.LogCaptureFixture, fragment: str) -> bool:
    return any(fragment in record.getMessage() for record in caplog.records)


def count(user: FakeUser, fragment: str) -> int:
    """How many bot messages in the user's chat contain ``fragment``."""
    return sum(fragment in m.text for m in user.chat.messages)


def new_texts(user: FakeUser, before: int) -> list[str]:
    return [m.text for m in user.chat.messages[before:]]


def no_error_reply(*users: FakeUser) -> None:
    for user in users:
        assert count(user, texts.SOMETHING_WRONG) == 0, box_transcript(user)


def box_transcript(user: FakeUser) -> str:
    return user.api.transcript(user.user_id)


async def pair_up(
    box: Sandbox, inviter: tuple[int, str], invitee: tuple[int, str], zone: str = "Berlin"
) -> tuple[FakeUser, FakeUser, str]:
    """Pair two new users; returns them and the invitee's Accept callback data."""
    a = box.fake.user(*inviter)
    b = box.fake.user(*invitee)
    await start_user(a, zone)
    await start_user(b, zone)
    await a.send("/pair")
    await b.open_link(invite_link(a))
    _, accept = b.chat.find_button(texts.INVITE_ACCEPT)
    assert accept.callback_data is not None
    await b.press(texts.INVITE_ACCEPT)
    assert count(a, "You're now paired with") == 1
    assert count(b, "You're now paired with") == 1
    return a, b, accept.callback_data


def newest(user: FakeUser, starts: str) -> SentMessage:
    """The newest bot message in the user's chat whose text starts with ``starts``."""
    for message in reversed(user.chat.messages):
        if message.text.startswith(starts):
            return message
    raise AssertionError(f"no message starting {starts!r} in {user!r}'s chat")


def labels(message: SentMessage) -> list[str]:
    return [b.text for row in message.buttons for b in row]


async def press_in(user: FakeUser, message: SentMessage, label: str) -> None:
    """Press the button labelled exactly ``label`` on this very message."""
    for row in message.buttons:
        for button in row:
            if button.text == label:
                assert button.callback_data is not None
                await user.press_data(message.message_id, button.callback_data)
                return
    raise AssertionError(f"no button {label!r} on message: {labels(message)}")


def reveals(user: FakeUser) -> list[str]:
    return [
        t
        for t in user.chat.texts()
        if t.startswith(texts.REVEAL_HEADER) or t.startswith(texts.REVEAL_DEEP_HEADER)
    ]


# -------------------------------------------------------------------- rounds and exercise offers


def offer_of(user: FakeUser) -> SentMessage:
    """The user's newest exercise offer (it carries a "Not now" button)."""
    for message in reversed(user.chat.messages):
        if texts.BTN_NOT_NOW in labels(message):
            return message
    raise AssertionError(f"no exercise offer in {user!r}'s chat")


def option_titles(offer: SentMessage) -> list[str]:
    """Titles of an offer's exercises, from its buttons ("1. Title")."""
    found = []
    for label in labels(offer):
        if label == texts.BTN_NOT_NOW:
            continue
        match = re.fullmatch(r"\d\. (.+)", label)
        assert match is not None, label
        found.append(match[1])
    return found


def offers_in(lines: Sequence[str]) -> list[str]:
    return [t for t in lines if OFFER_ASK_START in t]


async def checkin(box: Sandbox, alex: FakeUser, sam: FakeUser, a: str, b: str) -> None:
    """A /checkin round that Alex answers ``a`` and Sam ``b`` (revealed)."""
    await open_round(box, alex, sam)
    await alex.press(a)
    await sam.press(b)
    assert reveals(sam), "the round was not revealed"


async def next_day(box: Sandbox) -> None:
    """A day later (the /checkin limit is three a day)."""
    await box.advance(timedelta(days=1))


async def unscheduled_pair(box: Sandbox) -> tuple[FakeUser, FakeUser]:
    """Alex and Sam, with only /checkin rounds (no scheduled round gets in the way)."""
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")
    await notices_told(box)  # Sam hears of it now, not in the middle of a scenario
    return alex, sam


async def mismatch_with_offer(box: Sandbox, alex: FakeUser, sam: FakeUser) -> list[str]:
    """A round answered 5 and 1; returns the offered exercise titles (same for both)."""
    await checkin(box, alex, sam, "5", "1")
    titles = option_titles(offer_of(alex))
    assert option_titles(offer_of(sam)) == titles
    return titles


async def agree_on_first(alex: FakeUser, sam: FakeUser, titles: Sequence[str]) -> None:
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"1. {titles[0]}")
    assert sam.chat.messages[-2].text.startswith(texts.OFFER_AGREED.format(title=titles[0]))


# --------------------------------------------------------------------------------------- cohorts


ADMIN = 900


def link_in(user: FakeUser) -> str:
    """The newest t.me deep link in the user's chat."""
    return invite_link(user)


async def make_facilitator(box: Sandbox, user_id: int, name: str) -> FakeUser:
    admin = box.fake.user(ADMIN, "Ada")
    await admin.send("/start")
    await admin.send("/facilitator_invite")
    person = box.fake.user(user_id, name)
    await person.open_link(link_in(admin))
    return person


async def new_cohort(
    fay: FakeUser, program: str = "Close, not merged", days: Sequence[str] = ("Mon", "Wed")
) -> str:
    """Fay sets up "Spring group" on a shipped program (by a part of its name; default the
    six weeks), starting Mon 9 Mar with check-ins on ``days``; returns the enrolment link."""
    await fay.send("/cohort_new")
    await fay.send("Spring group")
    await fay.press(program)
    await fay.press("Mon 9 Mar")
    for day in days:
        await fay.press(day)
    await fay.press(texts.BTN_DONE)
    await fay.press("Europe/Berlin")
    await fay.press("Thu")
    await fay.send("18:30")
    assert fay.chat.last.text.startswith("Cohort \u201cSpring group\u201d is set up")
    return link_in(fay)


def _answer_buttons(message: SentMessage) -> list[str]:
    return [b.callback_data or "" for row in message.buttons for b in row]


async def answer_everything(user: FakeUser, since: int, choice: int = 0) -> None:
    """Answer every question the user got since message ``since``: the option at index
    ``choice`` (the last one before "pass" if there are fewer; 0 = the first, so 1 on a
    scale), or a sentence for an open question."""
    for message in list(user.chat.messages[since:]):
        data = _answer_buttons(message)
        if not data or not data[-1].endswith(":skip"):
            continue
        if data[0].startswith("w:"):
            await user.press_data(message.message_id, data[0])
            await user.send("A sentence about our week.")
        else:
            await user.press_data(message.message_id, data[min(choice, len(data) - 2)])


def varied(couple: int, partner: int) -> int:
    """The answer choice for partner 0 or 1 of the ``couple``-th couple in a scenario where
    couples must not all answer alike: the first partner always takes the first option; in
    every odd couple the second takes the third (1 against 3 on a scale: a difference)."""
    return 2 if partner == 1 and couple % 2 == 1 else 0


async def pass_everything(user: FakeUser, since: int) -> None:
    """Keep every question since message ``since`` private."""
    for message in list(user.chat.messages[since:]):
        data = _answer_buttons(message)
        if data and data[-1].endswith(":skip"):
            await user.press_data(message.message_id, data[-1])


async def enrol_couples(
    box: Sandbox, link: str, count: int, first_id: int = 4001, zone: str = "Berlin"
) -> list[tuple[FakeUser, FakeUser]]:
    couples = []
    for n in range(count):
        a = box.fake.user(first_id + 2 * n, f"E{n}")
        b = box.fake.user(first_id + 1 + 2 * n, f"F{n}")
        await start_user(a, zone)
        await start_user(b, zone)
        await a.send("/pair")
        await b.open_link(invite_link(a))
        await b.press(texts.INVITE_ACCEPT)
        await a.open_link(link)
        await a.press(texts.BTN_JOIN)
        await b.press(texts.BTN_JOIN)
        couples.append((a, b))
    return couples


async def type_answer(user: FakeUser, text: str) -> None:
    """Answer the open question in view by text as meant: "Write my answer", then the text
    (saved at once, no "Send this as your answer?" step)."""
    await user.press(texts.BTN_WRITE)
    await user.send(text)


# ------------------------------------------------------------------- coalesced notices (issue 12)


def notice(name: str, *lines: str) -> str:
    """The coalesced notice of ``name``'s recent changes, one line per changed part."""
    return texts.NOTICE_HEAD.format(name=name) + "".join(f"\n\u2022 {line}" for line in lines)


async def notices_told(box: Sandbox) -> None:
    """Let the window of held change notices pass (the due work runs)."""
    await box.advance(timedelta(minutes=4))
