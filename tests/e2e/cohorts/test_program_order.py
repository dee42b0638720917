"""Cohorts end to end, the order of a program week's questions and the before/after check: a
cohort with fewer check-in days than questions still gets each week's deep and open questions,
and a check question asked the other way round is shown turned round."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from random import Random

from bot import texts
from bot.emulator import FakeBotAPI, FakeUser
from bot.sandbox import Sandbox, sandbox
from content.programs import leads
from scheduler.clock import ManualClock
from tests.conftest import Picker, make_pair
from tests.e2e.helpers import ADMIN, answer_everything, enrol_couples, make_facilitator, new_cohort

#: Mondays of the four program weeks (the cohort starts Mon 9 Mar 2026, Berlin).
WEEKS = [datetime(2026, 3, 9, tzinfo=UTC) + timedelta(weeks=n) for n in range(4)]


def asked_in(user: FakeUser, since: int, ids: list[str], box: Sandbox) -> list[str]:
    """The question ids the user was asked since message ``since``, in order (a one-question
    check-in, or each question of a round of several; only ids from ``ids`` are looked for)."""
    bank = box.runtime.content.questions
    asked = []
    for message in user.chat.messages[since:]:
        if message.text.startswith("Check-in") or re.match(r"Question \d+ of \d+ ", message.text):
            asked += [q for q in ids if bank[q].text in message.text]
    return asked


async def test_a_cohort_with_three_check_in_days_gets_each_weeks_deep_and_open_questions(
    box: Sandbox,
) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay, "Talk, listen, mend", days=("Mon", "Wed", "Fri"))
    alex, sam = await make_pair(box)
    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_JOIN)
    program = box.runtime.content.programs["communication-repair-4w"]
    bank = box.runtime.content.questions
    every = list(program.check) + [q for w in program.schedule for q in w.questions]
    await box.run_until(WEEKS[0] - timedelta(hours=1))  # the pair's own daily rounds until then
    for index, monday in enumerate(WEEKS):
        week = program.week(index)
        assert len(week.questions) > 3  # more questions than check-in days
        before = len(sam.chat.messages)
        for day in (0, 2, 4):  # Mon, Wed, Fri at the pair's 20:00 Berlin
            marks = {u.user_id: len(u.chat.messages) for u in (alex, sam)}
            await box.run_until(monday + timedelta(days=day, hours=20))
            for user in (alex, sam):
                await answer_everything(user, marks[user.user_id])
        asked = asked_in(sam, before, every, box)
        if program.has_check(index):  # the first and last week open with the check
            assert asked[: len(program.check)] == list(program.check), (index, asked)
            asked = asked[len(program.check) :]
        # The week's first questions, in the file's order: its deep and open ones.
        assert asked == list(week.questions[: 3 - program.has_check(index)]), (index, asked)
        assert all(leads(bank[q]) for q in asked), (index, asked)
        assert any(bank[q].kind == "open" for q in asked), (index, asked)
        assert any(bank[q].depth.value == "deep" for q in asked), (index, asked)


async def test_the_check_shows_a_question_asked_the_other_way_round_turned_round(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> None:
    async with sandbox(
        db_url, clock=clock, fake=fake, picker=picker, admins=[ADMIN], min_pairs=3, noise=Random(9)
    ) as box:
        fay = await make_facilitator(box, 800, "Fay")
        link = await new_cohort(fay, "Together and apart: four weeks")
        couples = await enrol_couples(box, link, 6)
        program = box.runtime.content.programs["together-apart-4w"]
        bank = box.runtime.content.questions
        turned = [q for q in program.check if bank[q].polarity.value == "low"]
        assert turned == ["ta-guilt-apart"]

        async def check_day(when: datetime, choices: tuple[int, int]) -> None:
            marks = {u.user_id: len(u.chat.messages) for pair in couples for u in pair}
            await box.run_until(when)
            for n, (a, b) in enumerate(couples):
                for user in (a, b):  # not all alike: couples alternate between two answers
                    await answer_everything(user, marks[user.user_id], choices[n % 2])

        # Week 1: everyone near 1 on every check question; week 4: near 5. The high-polarity
        # questions rise; ta-guilt-apart (1 "hardly any" is the end with more of the topic)
        # reads the other way, so turned round it falls.
        await check_day(datetime(2026, 3, 9, 19, 30, tzinfo=UTC), (0, 1))
        await check_day(datetime(2026, 3, 30, 18, 30, tzinfo=UTC), (4, 3))
        await box.run_until(datetime(2026, 4, 6, 9, 0, tzinfo=UTC))
        await fay.send("/cohorts")
        await fay.press(texts.BTN_STATUS)
        status = fay.chat.last.text
        assert texts.STATUS_CHECK in status
        lines = status.split(texts.STATUS_CHECK)[1].splitlines()
        figures = [line for line in lines if "\u2192" in line]
        assert len(figures) == len(program.check), status
        for line in figures:
            before, after = (float(v) for v in line.rsplit(": ", 1)[1].split(" \u2192 "))
            if "(scale turned round)" in line:
                assert bank["ta-guilt-apart"].text[:30] in line
                assert before > after, line
            else:
                assert before < after, line
        assert sum("(scale turned round)" in line for line in figures) == 1
