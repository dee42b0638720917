"""Cohorts end to end, the program: its weeks as couples see them (on their own calendar),
broadcasts, couples leaving, and the end."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot import texts
from bot.emulator import FakeUser
from bot.sandbox import Sandbox
from tests.conftest import invite_link, make_pair, start_user, texts_since
from tests.e2e.helpers import (
    answer_everything,
    enrol_couples,
    link_in,
    make_facilitator,
    new_cohort,
    varied,
)


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


async def test_a_couple_far_away_checks_in_on_the_program_days_of_its_own_calendar(
    box: Sandbox,
) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)  # Berlin; Mondays and Wednesdays from Mon 9 Mar
    # 09:00 in New York: the couple enrols by day (a partner's invitation to join would wait
    # for the end of their quiet hours, issue 12).
    await box.run_until(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    (a, _b) = (await enrol_couples(box, link, 1, zone="New York"))[0]
    before = len(a.chat.messages)
    await box.run_until(datetime(2026, 3, 10, 4, 0, tzinfo=UTC))
    seen = texts_since(a, before)
    days = [m for m in a.chat.messages[before:] if " of 4 \u00b7 " in m.text]
    assert days, seen
    # The check came on Monday 9 March at 20:00 New York time (00:00 UTC on the 10th).
    assert all(m.date == int(datetime(2026, 3, 10, 0, 0, tzinfo=UTC).timestamp()) for m in days)


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
        for n, (a, b) in enumerate(couples[:answering]):
            for partner, user in enumerate((a, b)):
                await answer_everything(user, marks[user.user_id], varied(n, partner))

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
    assert "pooled over" not in below and "by topic" not in below
    assert "This week:" in below and "A0 & B0: 1/1" in below
    await program_day(datetime(2026, 3, 18, 19, 0, tzinfo=UTC), answering=5)

    # A broadcast with one partner who has blocked Tandem.
    await couples[4][1].block()
    await fay.send("/cohorts")
    await fay.press(texts.BTN_BROADCAST)
    await fay.send("See you on *Thursday*, <b>bring</b> a notebook!")
    # One count from the preview to the send: the partner who blocked Tandem is not in it.
    assert fay.chat.last.text.startswith("Preview: this goes to 11 people")
    await fay.press(texts.BTN_SEND)
    assert fay.chat.last.text == texts.count("BROADCAST_SENDING_N", 11)
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
    assert texts.STATUS_AGGREGATES.format(week=2, k=5) in above
    figures = above.split(texts.STATUS_AGGREGATES.format(week=2, k=5))[1]
    assert ": about " in figures  # approximate on purpose, and said so with the budget
    assert texts.STATUS_NOISE.format(budget="25") in figures
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
    assert alex.chat.last.text.startswith("Your pair is no longer in")
    assert "Sam" not in alex.chat.last.text
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


async def test_a_program_week_asks_a_stand_in_for_a_sensitive_question(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)  # starts Mon 9 Mar; check-ins Mon and Wed
    alex, sam = await make_pair(box)  # paired Mon 2 Mar
    for user in (alex, sam):
        await user.send("/deeper")
        await user.press(texts.BTN_DEEPER_YES)
    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_JOIN)
    program = box.runtime.content.programs["interdependence-6w"]
    bank = box.runtime.content.questions
    week3 = program.week(2)
    opening, second = (bank[q] for q in week3.questions[:2])
    assert not opening.sensitive and second.sensitive  # limit-crossed comes second
    await box.run_until(datetime(2026, 3, 22, 12, 0, tzinfo=UTC))
    before = len(sam.chat.messages)
    # Week 3's first two rounds, Mon 23 and Wed 25 Mar: the pair is three weeks old, so even
    # with both yeses a non-sensitive boundaries question of the same depth stands in.
    await box.run_until(datetime(2026, 3, 25, 19, 30, tzinfo=UTC))
    seen = texts_since(sam, before)
    assert any(t.startswith(f"Week 3 of 6: {week3.theme}") for t in seen)
    asked = [q for q in bank.values() if any(q.text in t for t in seen if t.startswith("Check-in"))]
    assert opening in asked and len(asked) == 2 and not any(q.sensitive for q in asked)
    stand_in = next(q for q in asked if q is not opening)
    assert stand_in.dimension is second.dimension and stand_in.depth is second.depth
    assert not any(second.text in t for t in seen)
