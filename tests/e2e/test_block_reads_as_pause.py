"""End-to-end: a partner who blocked Tandem reads exactly like one who paused (DESIGN.md,
privacy rule 8; issue 12), and ``/quiet`` says truthfully who sees quiet hours. Alex in Berlin,
Sam in New York; START is Monday 2 March 2026, 09:00 UTC (10:00 Berlin, 04:00 New York)."""

from __future__ import annotations

import json

import pytest

from bot import texts
from bot.emulator import FakeUser
from bot.sandbox import Sandbox
from tests.conftest import invite_link, make_pair, start_user
from tests.e2e.helpers import labels, no_error_reply

pytestmark = pytest.mark.usefixtures("no_crash")


async def step_back(sam: FakeUser, how: str) -> None:
    if how == "pause":
        await sam.send("/pause")
    else:
        await sam.block()


@pytest.mark.parametrize("how", ["pause", "block"])
async def test_a_time_into_the_night_of_a_partner_away_is_asked_first_either_way(
    box: Sandbox, how: str
) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await step_back(sam, how)
    assert alex.chat.last.text == texts.CHECKINS_PAUSED_NOTICE
    await alex.send("/time 7:00")  # 01:00 in New York
    assert alex.chat.last.text == texts.PROPOSAL_SENT.format(
        when="07:00", zone="Europe/Berlin", local="01:00", partner="Sam"
    )
    await alex.send("/settings")
    shown = alex.chat.last
    assert "daily at 20:00 (Europe/Berlin)" in shown.text
    assert "Waiting for Sam: check-ins to come daily at 07:00 (Europe/Berlin)." in shown.text
    assert texts.BTN_RESUME in labels(shown) and texts.BTN_PAUSE not in labels(shown)
    await alex.send("/resume")
    assert alex.chat.last.text == texts.RESUME_HELD
    no_error_reply(alex)


async def test_a_partner_back_after_blocking_is_asked_the_waiting_proposal(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await sam.block()
    await alex.send("/time 7:00")
    await sam.unblock()
    await sam.send("/start")
    asked = [m for m in sam.chat.messages if texts.BTN_PROPOSAL_ACCEPT in labels(m)]
    assert [m.text for m in asked] == [
        texts.PROPOSAL_ASK.format(
            name="Alex", schedule="daily at 07:00 (Europe/Berlin)", local="01:00"
        )
    ]
    await sam.press(texts.BTN_PROPOSAL_ACCEPT)
    assert alex.chat.last.text.startswith("Sam accepted: check-ins now come daily at 07:00")
    no_error_reply(alex, sam)


async def test_quiet_says_the_partner_sees_them_in_settings(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    sams_chat = len(sam.chat.messages)
    await alex.send("/quiet 23:00 07:30")
    reply = alex.chat.last.text
    assert "isn't told" not in reply and "/settings" in reply
    await alex.send("/quiet off")
    assert "/settings" in alex.chat.last.text
    assert len(sam.chat.messages) == sams_chat  # no message about it ...
    await sam.send("/settings")
    assert "Alex's: off" in sam.chat.last.text  # ... but /settings shows it, as the reply said


async def test_the_partners_export_reads_the_same_after_a_pause_or_a_block(
    box: Sandbox,
) -> None:
    """Probe of 2026-12-03: ``schedule.paused`` in /export told a block from a pause."""
    exports = []
    for n, how in enumerate(("pause", "block")):
        alex, sam = box.fake.user(2001 + 10 * n, "Alex"), box.fake.user(2002 + 10 * n, "Sam")
        await start_user(alex, "Berlin")
        await start_user(sam, "Berlin")
        await alex.send("/pair")
        await sam.open_link(invite_link(alex))
        await sam.press(texts.INVITE_ACCEPT)
        await step_back(sam, how)
        await alex.send("/export")
        data = json.loads((alex.chat.last.document or b"").decode("utf-8"))
        pair = data["pairs"][0]
        assert pair["schedule"]["paused"] is True
        exports.append({k: v for k, v in pair.items() if k not in ("pair_id", "started_at")})
    assert exports[0] == exports[1]
