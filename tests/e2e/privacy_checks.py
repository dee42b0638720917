"""The privacy checks of the state machine in ``test_privacy_machine.py``: a mixin that reads
what every chat shows and what the database holds after every step. Every typed text is a
unique marker ``SECRET-<who>-<nnnnn>``, so where it ends up can be traced:

1. **Answers** (privacy rules 1 and 7). When another author's marker first appears in a
   user's chat (a message, a toast, a document's bytes), the database must hold it as that
   author's answer, not passed, to a round that is *revealed*, of a pair both belong to, whose
   same question the viewer answered without passing. Judged when it first shows up (right
   after the step that brought it), this is sound: a reveal, a /history page or an /export
   has exactly this behind it; a stray text, an unconfirmed or replaced draft, a reveal after
   one answer, a question either passed, an expired round, a text that reached someone outside
   the pair have not. Later removals (/delete, retention) cannot raise a false alarm: each
   marker is judged once per chat.
2. **Strangers** (rules 3, 6 and 8), from the chats alone: a user never sees the marker of
   someone their chat never announced as their partner ("You're now paired with ..."), nor
   the name of someone their chat never introduced (as partner, inviter, or as the one who
   declined their invite): Kim learns nothing of Alex and Sam. A group chat never shows a
   marker or a name.
3. **Reveals** (rule 1, for button answers, which are no unique text): the number of
   different reveal messages a user ever got is at most the number of revealed rounds (seen in
   the database so far) in which that user answered every question. Different texts, because
   coming back after blocking the bot sends again the reveals from the instant of blocking on
   (one that failed then is not lost; with a manual clock the instants often coincide).
4. **Picks**: "Your picks are in" (which names its offer in its buttons) reaches a user only
   for an offer on which that user's own pick was accepted (a pick button answered with the
   "Saved" toast); "You both picked" / "You both chose not now" never outnumber those offers.
5. **No crash**: nothing logged at ERROR or above by any logger, and no chat (private or
   group, message or toast) shows the "something went wrong" reply.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot import texts
from bot.emulator import FakeBotAPI, SentMessage
from bot.storage.tables import answers, pairs, round_questions, rounds

PEOPLE = {"alex": (1001, "Alex"), "sam": (1002, "Sam"), "kim": (1003, "Kim"), "lee": (1004, "Lee")}
NAME_OF = {key: name for key, (_, name) in PEOPLE.items()}

MARKER = re.compile(r"SECRET-([a-z]+)-(\d{5})")
# "You're now paired with" when it happens; "You're paired with" on /start, e.g. for an inviter
# whose notice was waiting for the end of their quiet hours (issue 12) when they came back.
PAIRED_WITH = re.compile(r"You're (?:now )?paired with (\w+)")
INVITED_BY = re.compile(r"(\w+) invited you to check in together")
DECLINED_BY = re.compile(r"(\w+) declined your invite")
PICK_DECIDE = re.compile(r"^xd:(\d+):")
PICK_DATA = re.compile(r"^x:(\d+):")
BOTH_PICKED = (texts.OFFER_DECLINED_BOTH, texts.OFFER_AGREED.split("\u201c")[0])
PICKS_IN = texts.OFFER_DIFFERENT.split("\n")[0]
REVEAL_STARTS = (texts.REVEAL_HEADER, texts.REVEAL_DEEP_HEADER)


def buttons_of(message: SentMessage) -> list[tuple[str | None, str | None]]:
    return [(b.callback_data, b.url) for row in message.buttons for b in row]


class PrivacyChecks:
    """What :class:`~tests.e2e.test_privacy_machine.PrivacyMachine` checks after each step;
    it sets the state these read (chats seen, partners and names learned, picks made)."""

    fake: FakeBotAPI
    box: Any
    partners_seen: dict[str, set[str]]
    known_names: dict[str, set[str]]

    def run(self, coroutine: Any) -> Any:
        raise NotImplementedError

    def _learn_partners(self, viewer: str, messages: list[SentMessage]) -> None:
        for message in messages:
            for name in PAIRED_WITH.findall(message.text):
                self.partners_seen[viewer].add(name)
                self.known_names[viewer].add(name)
            for name in [*INVITED_BY.findall(message.text), *DECLINED_BY.findall(message.text)]:
                self.known_names[viewer].add(name)

    def _check_names(self, viewer: str, messages: list[SentMessage]) -> None:
        """Nobody reads the name of someone who was never their partner or inviter."""
        for message in messages:
            key = (viewer, message.message_id, message.text)
            if key in self.judged_texts:
                continue
            self.judged_texts.add(key)
            for other, name in NAME_OF.items():
                if other == viewer or name in self.known_names[viewer]:
                    continue
                assert not re.search(rf"\b{name}\b", message.text), (
                    f"{NAME_OF[viewer]} reads {name}'s name: {message.text!r}\n"
                    + self.fake.transcript(PEOPLE[viewer][0])
                )

    def _check_markers(self, viewer: str, messages: list[SentMessage], toasts: list[str]) -> None:
        shown = [m.text for m in messages]
        shown += [m.document.decode("utf-8", "replace") for m in messages if m.document]
        shown += toasts
        for text in shown:
            if (viewer, text) in self.scanned:
                continue
            self.scanned.add((viewer, text))
            for author, number in MARKER.findall(text):
                marker = f"SECRET-{author}-{number}"
                if author == viewer or (viewer, marker) in self.judged_markers:
                    continue
                self.judged_markers.add((viewer, marker))
                where = f"{marker} of {author} reached {viewer}: {text!r}\n"
                assert NAME_OF[author] in self.partners_seen[viewer], where + "never partners"
                problem = self.run(self._answer_problem(viewer, author, marker))
                assert problem is None, where + problem + "\n" + self.transcripts()

    async def _answer_problem(self, viewer: str, author: str, marker: str) -> str | None:
        """Why the database does not allow ``viewer`` to see ``author``'s ``marker`` (None
        when it does: a revealed round of the viewer's pair that both answered)."""
        assert self.box is not None
        viewer_id, author_id = PEOPLE[viewer][0], PEOPLE[author][0]
        async with self.box.runtime.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(answers.c.round_id, answers.c.position, answers.c.text).where(
                        answers.c.user_id == author_id, answers.c.skipped.is_(False)
                    )
                )
            ).all()
            found = [(r.round_id, r.position) for r in rows if r.text and marker in r.text]
            if not found:
                return "no answer of the author holds it"
            for round_id, position in found:
                round_ = (await conn.execute(select(rounds).where(rounds.c.id == round_id))).one()
                pair = (await conn.execute(select(pairs).where(pairs.c.id == round_.pair_id))).one()
                mine = (
                    await conn.execute(
                        select(answers.c.skipped).where(
                            answers.c.round_id == round_id,
                            answers.c.position == position,
                            answers.c.user_id == viewer_id,
                        )
                    )
                ).all()
                if (
                    round_.status == "revealed"
                    and viewer_id in (pair.user_a, pair.user_b)
                    and author_id in (pair.user_a, pair.user_b)
                    and mine
                    and not mine[0].skipped
                ):
                    return None
            return f"its round is not revealed to the viewer: {found}"

    def _check_reveals(self, viewer: str, messages: list[SentMessage]) -> None:
        new = {
            m.text
            for m in messages
            if m.text.startswith(REVEAL_STARTS) and m.text not in self.seen_reveals[viewer]
        }
        if not new:
            return
        self.seen_reveals[viewer] |= new
        self.full_rounds[viewer] |= self.run(self._answered_in_full(viewer))
        assert len(self.seen_reveals[viewer]) <= len(self.full_rounds[viewer]), (
            f"{NAME_OF[viewer]} got {len(self.seen_reveals[viewer])} different reveals, "
            f"answered {len(self.full_rounds[viewer])} revealed rounds\n" + self.transcripts()
        )

    async def _answered_in_full(self, viewer: str) -> set[int]:
        """Revealed rounds of the viewer's pairs where the viewer answered every question."""
        assert self.box is not None
        viewer_id = PEOPLE[viewer][0]
        async with self.box.runtime.engine.connect() as conn:
            asked = (
                await conn.execute(
                    select(round_questions.c.round_id, round_questions.c.position)
                    .join(rounds, rounds.c.id == round_questions.c.round_id)
                    .where(rounds.c.status == "revealed")
                )
            ).all()
            given = (
                await conn.execute(
                    select(answers.c.round_id, answers.c.position).where(
                        answers.c.user_id == viewer_id
                    )
                )
            ).all()
        questions: dict[int, set[int]] = {}
        for round_id, position in asked:
            questions.setdefault(round_id, set()).add(position)
        mine: dict[int, set[int]] = {}
        for round_id, position in given:
            mine.setdefault(round_id, set()).add(position)
        return {r for r, positions in questions.items() if positions <= mine.get(r, set())}

    def _check_picks(self, viewer: str, messages: list[SentMessage]) -> None:
        for message in messages:
            if message.message_id in self.seen_pick_messages[viewer]:
                continue
            if message.text.startswith(PICKS_IN):
                self.seen_pick_messages[viewer].add(message.message_id)
                offers = {
                    int(found[1])
                    for data, _ in buttons_of(message)
                    if data and (found := PICK_DECIDE.match(data))
                }
                assert offers and offers <= self.picked_offers[viewer], (
                    f"{NAME_OF[viewer]} sees picks of offers {offers} without picking\n"
                    + self.transcripts()
                )
            elif message.text.startswith(BOTH_PICKED):
                self.seen_pick_messages[viewer].add(message.message_id)
                self.both_picked[viewer] += 1
                assert self.both_picked[viewer] <= len(self.picked_offers[viewer]), (
                    f"{NAME_OF[viewer]} told both picked without picking\n" + self.transcripts()
                )

    def transcripts(self) -> str:
        return "\n\n".join(
            f"==== {name}\n{self.fake.transcript(uid)}" for uid, name in PEOPLE.values()
        )
