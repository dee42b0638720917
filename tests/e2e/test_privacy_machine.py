"""A hypothesis state machine (issue 9, "Proof in the suite"): random people doing random
things to the real Application, and after every step the privacy rules checked on what each
chat shows.

The cast: Alex and Sam, paired, with a check-in open that Alex has answered by text and Sam
not yet; Kim, a stranger; Lee, unpaired with an invite link out (Lee may pair with Kim, or try
Alex's links; Alex or Sam may unpair and pair with them). The steps: commands; invite links
seen in any chat (one's own, used ones, someone else's); any button in any chat pressed by
anyone from their own chat (old rounds, other pairs' buttons, on the right message or not),
forged and mangled callback data; typed text, "Write my answer" then text, a text then "Send
as my answer"; edits of earlier messages; the same update delivered twice; group chats;
blocking the bot and coming back; moving the clock; the question kind; whole check-ins and
exercise picks; restarts of the process on the same database (the emulator, with every chat,
lives on).

Every text anybody types is a unique marker ``SECRET-<who>-<nnnnn>`` (an edit's new text too),
so where it ends up can be traced.

The checks after every step (answers, strangers, reveals, picks, no crash) and why each is
sound are in :mod:`tests.e2e.privacy_checks`.

``make test`` runs a fixed set of derandomized examples (deterministic, no example database);
``make fuzz`` sets ``TANDEM_FUZZ_SCALE=10``: ten times as many, freshly random each run.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import logging
import os
import re
import shutil
import tempfile
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bot import texts
from bot.emulator import ChatEvent, FakeBotAPI, FakeUser, SentMessage
from bot.sandbox import Sandbox, sandbox
from scheduler.clock import ManualClock
from tests.conftest import START, invite_link, start_user
from tests.e2e.helpers import DimensionPicker
from tests.e2e.privacy_checks import (
    MARKER,
    NAME_OF,
    PEOPLE,
    PICK_DATA,
    PrivacyChecks,
    buttons_of,
)

SCALE = max(1, int(os.environ.get("TANDEM_FUZZ_SCALE", "1")))

WHO = sorted(PEOPLE)

COMMANDS = [
    "/checkin",
    "/history",
    "/settings",
    "/pause",
    "/resume",
    "/export",
    "/privacy",
    "/safety",
    "/deeper",
    "/help",
    "/cancel",
    "/unpair",
    "/pair",
    "/start",
    "/delete",
    "/retention",
    "/frequency off",
    "/frequency daily",
]
KINDS = ["open", "scale", "open", "choice", "open", "wants"]
GROUP_ID = -100777

FORGED_ALPHABET = "aiwxdyhtsnr:0123456789-_"


#: Where each run's database goes: memory-backed when the system has it (hundreds of runs
#: in ``make fuzz``), else the usual temporary directory.
FAST_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None

_TEMPLATE: dict[str, Any] = {}
"""The start state, made by the first run: ``folder`` (database and key file) and ``fake``."""
FIRST_SECRET = "SECRET-alex-00000"
"""Alex's answer to the check-in open at the start, which Sam has not answered."""


class ErrorRecords(logging.Handler):
    """Keeps every record at ERROR or above, from any logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class PrivacyMachine(PrivacyChecks, RuleBasedStateMachine):
    """Two partners, a stranger and a latecomer against one real Tandem; see the module."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = Path(tempfile.mkdtemp(prefix="tandem-machine-", dir=FAST_DIR))
        self.db_url = f"sqlite+aiosqlite:///{self.tmp / 'tandem.sqlite3'}"
        self.clock = ManualClock(START)
        self.fake = FakeBotAPI(clock=self.clock.now)
        self.picker = DimensionPicker()
        self.box: Sandbox | None = None
        self.running: AbstractAsyncContextManager[Sandbox] | None = None
        self.errors = ErrorRecords()
        logging.getLogger().addHandler(self.errors)
        self.users: dict[str, FakeUser] = {}
        self.counter = 0
        # What each user has seen and was judged on already (each is judged once, when it
        # first shows up), and what each has learnt (partners, names) and done (picks).
        self.judged_markers: set[tuple[str, str]] = set()
        self.seen_reveals: dict[str, set[str]] = {key: set() for key in PEOPLE}
        self.full_rounds: dict[str, set[int]] = {key: set() for key in PEOPLE}
        self.seen_pick_messages: dict[str, set[int]] = {key: set() for key in PEOPLE}
        self.picked_offers: dict[str, set[int]] = {key: set() for key in PEOPLE}
        self.both_picked: dict[str, int] = dict.fromkeys(PEOPLE, 0)
        self.known_names: dict[str, set[str]] = {key: {NAME_OF[key]} for key in PEOPLE}
        self.partners_seen: dict[str, set[str]] = {key: set() for key in PEOPLE}
        self.judged_texts: set[tuple[str, int, str]] = set()
        self.scanned: set[tuple[str, str]] = set()

    # ------------------------------------------------------------------------------ plumbing

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def _open(self) -> None:
        self.running = sandbox(self.db_url, clock=self.clock, fake=self.fake, picker=self.picker)
        self.box = await self.running.__aenter__()

    async def _close(self) -> None:
        if self.running is not None:
            running, self.running, self.box = self.running, None, None
            await running.__aexit__(None, None, None)

    def teardown(self) -> None:
        try:
            self.run(self._close())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()
            logging.getLogger().removeHandler(self.errors)
            shutil.rmtree(self.tmp, ignore_errors=True)

    def marker(self, who: str) -> str:
        self.counter += 1
        return f"SECRET-{who}-{self.counter:05d}"

    async def _send(self, who: str, text: str) -> None:
        await self.users[who].send(text)

    def visible(self, who: str) -> list[tuple[SentMessage, str | None, str | None]]:
        """Every button (message, callback data, url) in the user's private chat."""
        chat = self.fake.chats.get(PEOPLE[who][0])
        if chat is None:
            return []
        return [(m, data, url) for m in chat.messages for data, url in buttons_of(m)]

    def all_links(self) -> list[str]:
        found: list[str] = []
        for chat in self.fake.chats.values():
            for message in chat.messages:
                for word in message.text.split():
                    if word.startswith("https://t.me/") and "?start=" in word:
                        found.append(word)
                found.extend(url for _, url in buttons_of(message) if url and "?start=" in url)
        return sorted(set(found))

    async def _press(self, who: str, message_id: int, data: str) -> None:
        user = self.users[who]
        toasts = len(user.chat.toasts) if user.user_id in self.fake.chats else 0
        await user.press_data(message_id, data)
        picked = PICK_DATA.match(data)
        if picked and user.chat.toasts[toasts:] == [texts.PICK_TOAST]:
            self.picked_offers[who].add(int(picked[1]))

    # ---------------------------------------------------------------------------- the start

    @initialize()
    def start(self) -> None:
        """Alex and Sam paired, with a check-in open that Alex has answered (by text) and Sam
        not yet; Kim started; Lee started, with an invite link out. Copied from a state made
        once (the database file, its key file and the emulator): it saves most of a start-up."""
        if not _TEMPLATE:
            self.run(self._make_template())
        folder, fake = _TEMPLATE["folder"], _TEMPLATE["fake"]
        for file in folder.iterdir():
            shutil.copy(file, self.tmp / file.name)
        self.fake = copy.deepcopy(fake)
        self.fake.clock = self.clock.now
        self.users = {key: self.fake.users[uid] for key, (uid, _) in PEOPLE.items()}
        self.run(self._open())

    async def _make_template(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="tandem-machine-start-", dir=FAST_DIR))
        atexit.register(shutil.rmtree, folder, True)
        clock = ManualClock(START)
        fake = FakeBotAPI(clock=clock.now)
        url = f"sqlite+aiosqlite:///{folder / 'tandem.sqlite3'}"
        async with sandbox(url, clock=clock, fake=fake, picker=self.picker) as box:
            alex, sam = box.fake.user(*PEOPLE["alex"]), box.fake.user(*PEOPLE["sam"])
            await start_user(alex, "Berlin")
            await start_user(sam, "Berlin")
            await alex.send("/pair")
            await sam.open_link(invite_link(alex))
            await sam.press(texts.INVITE_ACCEPT)
            await start_user(box.fake.user(*PEOPLE["kim"]), "Berlin")
            lee = box.fake.user(*PEOPLE["lee"])
            await start_user(lee, "London")
            await lee.send("/pair")  # a link for anyone to find
            # A check-in Alex has answered and Sam not yet: a secret waiting from the start.
            self.picker.prefer = "open"
            await alex.send("/checkin")
            await alex.press(texts.BTN_WRITE)
            await alex.send(FIRST_SECRET)
        fake.detach()
        assert texts.SOMETHING_WRONG not in fake.transcript(PEOPLE["sam"][0])
        _TEMPLATE.update(folder=folder, fake=fake)

    # -------------------------------------------------------------------------------- rules

    @rule(who=st.sampled_from(WHO), command=st.sampled_from(COMMANDS))
    def command(self, who: str, command: str) -> None:
        self.run(self._send(who, command))

    @rule(who=st.sampled_from(WHO), pick=st.integers(0, 10**6))
    def press_visible(self, who: str, pick: int) -> None:
        """Press any button in the user's own chat: new ones, old rounds', used invites'."""
        buttons = self.visible(who)
        if not buttons:
            return
        message, data, url = buttons[pick % len(buttons)]
        if data is not None:
            self.run(self._press(who, message.message_id, data))
        elif url is not None and "?start=" in url:
            self.run(self.users[who].open_link(url))

    @rule(
        who=st.sampled_from(WHO),
        owner=st.sampled_from(WHO),
        pick=st.integers(0, 10**6),
        own_message=st.booleans(),
    )
    def press_someone_elses(self, who: str, owner: str, pick: int, own_message: bool) -> None:
        """Send the data of a button in another chat (another pair's, the partner's) from
        this user's chat, on that message's id or on one of this user's own messages."""
        buttons = [(m, d) for m, d, _ in self.visible(owner) if d is not None]
        if not buttons:
            return
        message, data = buttons[pick % len(buttons)]
        message_id = message.message_id
        mine = self.visible(who)
        if own_message and mine:
            message_id = mine[pick % len(mine)][0].message_id
        assert data is not None
        self.run(self._press(who, message_id, data))

    @rule(
        who=st.sampled_from(WHO),
        pick=st.integers(0, 10**6),
        delta=st.integers(-3, 3),
        garbage=st.text(FORGED_ALPHABET, min_size=0, max_size=70),
        mode=st.sampled_from(["shift", "garbage", "suffix"]),
    )
    def press_forged(self, who: str, pick: int, delta: int, garbage: str, mode: str) -> None:
        """Forged callback data: a visible button's ids moved, a suffix added, or garbage."""
        pool = [(m, d) for key in WHO for m, d, _ in self.visible(key) if d is not None]
        message_id = 1 + pick % 50
        if mode == "garbage" or not pool:
            data = garbage[:64]
        else:
            message, source = pool[pick % len(pool)]
            assert source is not None
            message_id = message.message_id
            if mode == "shift":
                data = re.sub(r"\d+", lambda m: str(max(0, int(m[0]) + delta)), source)
            else:
                data = (source + ":" + garbage)[:64]
        if not data:
            data = "x"
        self.run(self._press(who, message_id, data))

    @rule(who=st.sampled_from(WHO), words=st.sampled_from(["", "we said ", "\n\nYou:\n"]))
    def type_text(self, who: str, words: str) -> None:
        """A typed text: shown back before it counts, or an answer to "Write my answer"."""
        self.run(self._send(who, words + self.marker(who)))

    @rule(
        who=st.sampled_from(WHO),
        pick=st.integers(0, 10**6),
        how=st.sampled_from(["button", "write", "typed", "typed", "pick"]),
    )
    def answer_newest(self, who: str, pick: int, how: str) -> None:
        """What a partner usually does: answer the newest question (a button, "Write my
        answer" and a text, or a text then "Send as my answer"), or pick an exercise."""
        prefix = {"button": "a:", "write": "w:", "typed": "w:", "pick": "x:"}[how]
        found = [(m, d) for m, d, _ in self.visible(who) if d is not None and d.startswith(prefix)]
        if not found:
            return
        newest = max(m.message_id for m, _ in found)
        choices = [(m, d) for m, d in found if m.message_id == newest]
        message, data = choices[pick % len(choices)]
        assert data is not None

        async def go() -> None:
            if how in ("button", "pick"):
                await self._press(who, message.message_id, data)
                return
            if how == "write":
                await self._press(who, message.message_id, data)
            await self._send(who, self.marker(who))
            if how == "typed":
                sends = [
                    (m, d)
                    for m, d, _ in self.visible(who)
                    if d is not None and d.startswith("ty:s:")
                ]
                if sends:
                    prompt, send = sends[-1]
                    assert send is not None
                    await self._press(who, prompt.message_id, send)

        self.run(go())

    @rule(
        couple=st.sampled_from([("alex", "sam"), ("sam", "alex"), ("lee", "kim"), ("kim", "lee")]),
        kind=st.sampled_from(KINDS),
        first=st.sampled_from(["write", "typed", "button", "pass", "none"]),
        second=st.sampled_from(["typed", "write", "button", "pass", "none"]),
        pick=st.integers(0, 10**6),
    )
    def a_check_in(
        self, couple: tuple[str, str], kind: str, first: str, second: str, pick: int
    ) -> None:
        """A whole check-in as a couple would have it: one starts it, each answers (or
        passes, or not), in turn; then each may pick an exercise if one is offered."""
        self.picker.prefer = kind
        starter, other = couple
        if pick % 5 == 0:  # a day later: past the open round's closing time and the daily limit
            assert self.box is not None
            self.run(self.box.advance(timedelta(hours=25)))

        async def answer(who: str, how: str) -> None:
            found = [
                (m, d)
                for m, d, _ in self.visible(who)
                if d is not None and d.startswith(("a:", "w:"))
            ]
            if how == "none" or not found:
                return
            newest = max(m.message_id for m, _ in found)
            data = [str(d) for m, d in found if m.message_id == newest]
            values = [d for d in data if d.startswith("a:") and not d.endswith(":skip")]
            writes = [d for d in data if d.startswith("w:")]
            skips = [d for d in data if d.endswith(":skip")]
            if how == "pass" and skips:
                await self._press(who, newest, skips[0])
            elif values:
                # The partners often differ (the first option against the last at 0): a
                # mismatch, so an exercise offer and picks follow.
                at = pick if who == starter else -1 - pick // 7
                await self._press(who, newest, values[at % len(values)])
            elif writes and how == "typed":
                await self._send(who, self.marker(who))
                sends = [(m, d) for m, d, _ in self.visible(who) if d and d.startswith("ty:s:")]
                if sends:
                    prompt, send = sends[-1]
                    await self._press(who, prompt.message_id, str(send))
            elif writes:
                await self._press(who, newest, writes[0])
                await self._send(who, self.marker(who))

        async def go() -> None:
            await self._send(starter, "/checkin")
            await answer(starter, first)
            await answer(other, second)
            for who in couple:
                picks = [
                    (m, d) for m, d, _ in self.visible(who) if d is not None and d.startswith("x:")
                ]
                if picks and pick % 4 != 3:
                    message, data = picks[(pick // 4 + (who == other)) % len(picks)]
                    assert data is not None
                    await self._press(who, message.message_id, data)

        self.run(go())

    @rule(plan=st.integers(0, 10**6))
    def alex_and_sam_check_in(self, plan: int) -> None:
        """``a_check_in`` for Alex and Sam, its choices drawn from one number. Hypothesis
        tries rules with fewer arguments first and repeats them in its simplest examples, so
        this rule, whose 0 already gives a revealed check-in a day later, is what those are
        made of; their rounds are what the stranger and the latecomer must never learn of."""
        couple = ("alex", "sam") if plan % 2 == 0 else ("sam", "alex")
        kind = KINDS[(plan // 2) % len(KINDS)]
        first = ["write", "typed", "button", "pass"][(plan // 12) % 4]
        second = ["typed", "write", "button", "pass", "none"][(plan // 48) % 5]
        self.a_check_in(couple, kind, first, second, plan // 240)

    @rule(
        couple=st.sampled_from(
            [("lee", "kim"), ("kim", "lee"), ("lee", "alex"), ("alex", "lee"), ("sam", "kim")]
        ),
        accept=st.booleans(),
    )
    def invite(self, couple: tuple[str, str], accept: bool) -> None:
        """One sends /pair, the other opens the newest link in the inviter's chat and accepts
        or declines (refused while either is paired: then an older link, or none)."""
        inviter, invitee = couple

        async def go() -> None:
            await self._send(inviter, "/pair")
            try:
                link = invite_link(self.users[inviter])
            except AssertionError:
                return
            await self.users[invitee].open_link(link)
            label = texts.INVITE_ACCEPT if accept else texts.INVITE_DECLINE
            found = [
                (m, d)
                for m in self.users[invitee].chat.messages[-1:]
                for row in m.buttons
                for b in row
                if b.text == label and (d := b.callback_data) is not None
            ]
            if found:
                await self._press(invitee, found[0][0].message_id, found[0][1])

        self.run(go())

    @rule(who=st.sampled_from(WHO), pick=st.integers(0, 10**6))
    def write_then_type(self, who: str, pick: int) -> None:
        writes = [(m, d) for m, d, _ in self.visible(who) if d is not None and d.startswith("w:")]
        if not writes:
            return
        message, data = writes[-1] if pick % 3 else writes[pick % len(writes)]
        assert data is not None

        async def go() -> None:
            await self._press(who, message.message_id, data)
            await self._send(who, self.marker(who))

        self.run(go())

    @rule(who=st.sampled_from(WHO), pick=st.integers(0, 10**6))
    def edit(self, who: str, pick: int) -> None:
        """Edit one of the user's own messages still in the chat (an answer, a draft, a
        command, Alex's first secret) into a new marker."""
        chat = self.fake.chats.get(PEOPLE[who][0])
        if chat is None:
            return
        mine = [
            e.message_id
            for e in chat.timeline
            if isinstance(e, ChatEvent) and e.kind == "user" and e.message_id is not None
        ]
        if mine:
            message_id = mine[-1] if pick % 2 else mine[pick % len(mine)]
            self.run(self.users[who].edit(message_id, self.marker(who)))

    @rule(who=st.sampled_from(WHO))
    def resend_last(self, who: str) -> None:
        """The user's last update delivered again (Telegram delivers at least once)."""
        user = self.users[who]
        if user._last_update is not None:
            self.run(user.resend_last())

    @rule(who=st.sampled_from(WHO), pick=st.integers(0, 10**6))
    def open_any_link(self, who: str, pick: int) -> None:
        links = self.all_links()
        if links:
            self.run(self.users[who].open_link(links[pick % len(links)]))

    @rule(
        who=st.sampled_from(WHO),
        text=st.sampled_from(["/checkin", "/start", "/pair", "hello", "/history"]),
        pick=st.integers(0, 10**6),
        press=st.booleans(),
    )
    def in_a_group(self, who: str, text: str, pick: int, press: bool) -> None:
        """A command or text in a group, or a button's data pressed from a group."""
        pool = [(m, d) for key in WHO for m, d, _ in self.visible(key) if d is not None]
        if press and pool:
            message, data = pool[pick % len(pool)]
            assert data is not None
            self.run(self.users[who].press_in_group(data, GROUP_ID, message.message_id))
        else:
            self.run(self.users[who].send_in_group(text, GROUP_ID))

    @rule(who=st.sampled_from(WHO))
    def block_or_come_back(self, who: str) -> None:
        """Block the bot, or (when blocked) unblock it and send /start."""
        user = self.users[who]
        if user.user_id in self.fake.blocked:
            self.run(user.unblock())
            self.run(self._send(who, "/start"))
        else:
            self.run(user.block())

    @rule(
        minutes=st.one_of(
            st.integers(1, 90), st.integers(60, 24 * 60), st.integers(24 * 60, 2 * 24 * 60)
        ),
        every_due_instant=st.booleans(),
    )
    def move_clock(self, minutes: int, every_due_instant: bool) -> None:
        assert self.box is not None
        if every_due_instant:
            self.run(self.box.run_until(self.clock.now() + timedelta(minutes=minutes)))
        else:
            self.run(self.box.advance(timedelta(minutes=minutes)))

    @rule(kind=st.sampled_from(KINDS))
    def question_kind(self, kind: str) -> None:
        """Which kind of question the next rounds ask (the bot's picker, not a user)."""
        self.picker.prefer = kind

    @rule(down_for=st.integers(0, 36 * 60))
    def restart(self, down_for: int) -> None:
        """The process stops, the clock moves while it is down, and a new one starts on the
        same database; the emulator (every chat, every user) lives on."""

        async def go() -> None:
            await self._close()
            self.clock.advance(timedelta(minutes=down_for))
            await self._open()

        self.run(go())

    # --------------------------------------------------------------------------- invariants

    @invariant()
    def nothing_crashed(self) -> None:
        errors = [f"{r.name}: {r.getMessage()}" for r in self.errors.records]
        assert errors == [], errors
        for chat in [*self.fake.chats.values(), *self.fake.groups.values()]:
            shown = [*chat.texts(), *chat.toasts]
            assert texts.SOMETHING_WRONG not in shown, self.fake.transcript(chat.chat_id)

    @invariant()
    def privacy_holds(self) -> None:
        if self.box is None:
            return
        for viewer, (uid, _) in PEOPLE.items():
            chat = self.fake.chats.get(uid)
            if chat is None:
                continue
            self._learn_partners(viewer, chat.messages)
            self._check_names(viewer, chat.messages)
            self._check_markers(viewer, chat.messages, chat.toasts)
            self._check_reveals(viewer, chat.messages)
            self._check_picks(viewer, chat.messages)
        for group in self.fake.groups.values():  # a group only ever gets a pointer
            shown = "\n".join([*group.texts(), *group.toasts])
            assert not MARKER.search(shown), self.fake.transcript(group.chat_id)
            assert not re.search(r"\b(Alex|Sam|Kim|Lee)\b", shown), shown


PrivacyMachine.TestCase.settings = settings(
    max_examples=20 * SCALE,
    stateful_step_count=40,
    deadline=None,
    derandomize=SCALE == 1,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestPrivacyMachine = PrivacyMachine.TestCase
