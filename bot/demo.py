"""``tandem demo``: the whole loop, played by two simulated partners against the emulated Bot
API, with a clock that jumps instead of waiting. Prints each partner's chat as a transcript."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.emulator import FakeBotAPI
from bot.sandbox import Sandbox, sandbox
from bot.storage.lock import single_process
from content.schema import Question
from scheduler.clock import ManualClock

#: Monday 2 March 2026, 17:00 in Berlin.
DEMO_START = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def demo_picker(candidates: Sequence[Question], weights: Sequence[float] = ()) -> Question:
    """Prefer a scale question about time together and apart, so the demo shows a mismatch."""
    ranked = sorted(
        candidates,
        key=lambda q: (q.kind != "scale", q.dimension.value != "together_apart", q.id),
    )
    return ranked[0]


async def play(box: Sandbox) -> list[str]:
    """Pair → schedule → a round both answer with a mismatch → reveal → both pick the same
    exercise (privately) → reminder → a notice held for the end of Alex's quiet hours →
    follow-up two days later, revealed like a round. Returns the narration of the quiet-hours
    moment (issue 12)."""
    fake = box.fake
    alex = fake.user(1001, "Alex")
    sam = fake.user(1002, "Sam")

    await alex.send("/start")
    await alex.press("Berlin")
    await alex.send("/pair")
    link = next(w for w in alex.chat.last.text.split() if w.startswith("https://t.me/"))

    await sam.send("/start")
    await sam.send("new york")
    await sam.open_link(link)
    await sam.press("Accept")

    await sam.send("/settings")
    await alex.send("/time 21:00")

    # Jump to the scheduled instant: the tick opens the round for both at once.
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due)
    await box.tick()

    await alex.press("5")
    # Sam answers twenty minutes later; only then do both see both answers.
    box.clock.advance(timedelta(minutes=20))
    await box.tick()
    await sam.press("1")

    # Each picks an exercise privately; both picked the first one, so both see it in full.
    await sam.press("1. ")
    box.clock.advance(timedelta(minutes=5))
    await alex.press("1. ")
    await alex.press("Tomorrow")

    # Quiet hours: late in Berlin (23:30, 17:30 in New York) Sam saves their anniversary.
    # Alex's notice of it waits for the end of Alex's quiet hours (08:00 in Berlin).
    box.clock.set(datetime(2026, 3, 2, 22, 30, tzinfo=UTC))
    await box.tick()
    await sam.send("/anniversary 14 June")
    notice = "Sam set your anniversary"
    assert not any(notice in m.text for m in alex.chat.messages)

    # The next evening the reminder comes; two days after choosing, the follow-up asks both
    # how it went, and it reveals like any check-in.
    # Ticking at every instant something comes due, as the running bot would (a round more
    # than MAX_LATENESS_MINUTES late is skipped).
    await box.run_until(box.clock.now() + timedelta(days=2))
    held = next(m for m in alex.chat.messages if notice in m.text)
    arrived = datetime.fromtimestamp(held.date, UTC).astimezone(ZoneInfo("Europe/Berlin"))
    narration = [
        "Quiet hours: Sam saved the anniversary at 17:30 in New York, 23:30 in Berlin; Alex's "
        f"notice of it waited for the end of Alex's quiet hours, {arrived:%a %H:%M} in Berlin."
    ]
    for user, check_in, follow_up in ((alex, 4, 4), (sam, 3, 5)):
        question = next(m for m in reversed(user.chat.messages) if "Question 1 of 2" in m.text)
        await user.press(_data(question.buttons[0][check_in - 1].callback_data))
        await user.press(str(follow_up))
    # Sam answered last, late in Berlin: Alex's reveal came at once but without sound.
    hushed = [m for m in alex.chat.messages if m.silent]
    if hushed:
        at = datetime.fromtimestamp(hushed[-1].date, UTC).astimezone(ZoneInfo("Europe/Berlin"))
        narration.append(
            f"Sam's answer revealed the follow-up at {at:%H:%M} in Berlin: Alex's copy came at "
            "once, without sound (marked (no sound) above)."
        )
    return narration


def _data(value: str | None) -> str:
    assert value is not None
    return value


async def run_demo(database: Path) -> dict[str, str]:
    """Play the demo on a fresh SQLite file; return each partner's transcript and, under
    ``"Narration"``, the lines that tell what quiet hours did."""
    clock = ManualClock(DEMO_START)
    fake = FakeBotAPI(clock=clock.now)
    url = f"sqlite+aiosqlite:///{database}"
    with single_process(url):
        async with sandbox(url, clock=clock, fake=fake, picker=demo_picker) as box:
            narration = await play(box)
            return {
                "Alex": fake.transcript(1001, "Europe/Berlin"),
                "Sam": fake.transcript(1002, "America/New_York"),
                "Narration": "\n".join(narration),
            }


def main() -> int:
    """Print both partners' chats; returns the exit status."""
    with tempfile.TemporaryDirectory() as folder:
        transcripts = asyncio.run(run_demo(Path(folder) / "demo.sqlite3"))
    narration = transcripts.pop("Narration")
    for name, transcript in transcripts.items():
        line = "=" * 72
        zone = "Berlin time" if name == "Alex" else "New York time"
        print(f"{line}\n{name}'s chat with Tandem ({zone})\n{line}")
        print(transcript)
        print()
    print(narration)
    return 0
