"""Check-ins: opening one, the question and its buttons, answers and their acknowledgements,
typed answers, reminders, the reveal and expiry.

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

CHECKIN_OPEN_ALREADY = "There's already an open check-in. Here it is again:"
CHECKIN_OPEN_ANSWERED = "There's already an open check-in, and you've answered it. It reveals when your partner answers too."
CHECKIN_LIMIT_UNSCHEDULED = (
    "That's {n} check-ins today already. Let's leave some room and pick it up tomorrow."
)
CHECKIN_LIMIT = (
    "That's {n} check-ins today already. Let's leave some room; the next scheduled one is {next}."
)
CHECKIN_STARTED_BY = "{name} started a check-in."
CHECKIN_ON_HOLD = (
    "Check-ins are paused for now, so none can start. You'll hear here when they continue."
)

# The question, answering it (buttons or typed text) and reminders.
ROUND_HEADER = "Check-in \u00b7 {dimension}"
ROUND_FOOTER = "Your answer stays private until you've both answered. Open until {until}."
SCALE_HINT = "1 = {low} \u00b7 5 = {high}"
OPEN_HINT = (
    "Tap \u201cWrite my answer\u201d, then send your answer as a message (up to 2,000 characters)."
)
BTN_SKIP = "Keep this private"
BTN_WRITE = "Write my answer"
REMINDER_HEADER = "A gentle nudge: this check-in is still open."
# A reminder sent as a reply to the open question (issue 12): it points, it doesn't repeat.
REMINDER_NUDGE = "A gentle nudge: your check-in from {opened} is still open \u2191"
REMINDER_NUDGE_N = (
    "A gentle nudge: your check-in from {opened} is still open, {n} question waiting \u2191",
    "A gentle nudge: your check-in from {opened} is still open, {n} questions waiting \u2191",
)
REMINDER_MORE_N = (
    "{n} question is still waiting for your answer.",
    "{n} questions are still waiting for your answers; here is the first.",
)
ANSWER_SAVED = "Saved. Your answer: {answer}.\nYou can change it until {partner} answers too."
ANSWER_SAVED_MORE_N = (
    "Saved (question {position}). Your answer: {answer}.\n{n} more question to go; then you'll "
    "both see all the answers.",
    "Saved (question {position}). Your answer: {answer}.\n{n} more questions to go; then "
    "you'll both see all the answers.",
)
ANSWER_SAVED_SKIP = "Saved: you passed on this one. You can still answer until {partner} does too."
ANSWER_WAITING = (
    "{name} has answered the check-in. When you answer too, you'll both see both answers."
)
ANSWER_TOAST = "Saved"
PASSED = "passed"
SCALE_VALUE = "{value} of 5"

# Typed answers.
WRITE_PROMPT = "Type your answer and send it (up to 2,000 characters). /cancel to stop."
TEXT_TOO_LONG = (
    "That's {n} characters; answers can be up to 2,000. Could you shorten it and send it again?"
)
TEXT_EMPTY = "That message looks empty. Type your answer, or /cancel."
TEXT_ONLY = "I can only take a text answer here. Type it and send it, or /cancel."
TAP_TO_ANSWER = "To answer the check-in, tap one of the buttons on the question. Here it is again:"
ALREADY_ANSWERED_OPEN = (
    "Your answer is saved. To change it before {partner} answers, tap \u201cWrite my answer\u201d "
    "on the question and send the new version."
)
IF_CHECKIN_ANSWER = "If that was your check-in answer: send /cancel, then send it again."
CANCELLED_ANSWER = "Okay. When you're ready, tap \u201cWrite my answer\u201d on the question."

# A text typed while a question is open, without "Write my answer": shown back first, and
# saved only when its author says so (DESIGN.md, privacy rule 7).
TYPED_ASK = "Send this as your answer to \u201c{question}\u201d?"
TYPED_ASK_NOTE = "Nothing is saved or shown to {partner} until you tap “Send as my answer”."
BTN_TYPED_SEND = "Send as my answer"
BTN_TYPED_EDIT = "Edit it first"
BTN_TYPED_NOT = "Not an answer"
TYPED_EDIT_PROMPT = "Type your answer as you want it saved and send it. /cancel to stop."
TYPED_NOT_SAVED = (
    "Okay, that wasn't saved. Tandem doesn't pass messages between you; the question is still "
    "waiting for your answer."
)
TYPED_STALE = "That text is no longer waiting to be sent."
# Editing the message that gave an answer.
ANSWER_EDITED = "Your edit is saved. Your answer now reads: {answer}"
ANSWER_LOCKED_REVEALED = "That answer was already shown to you both, so it can no longer change."
ANSWER_EDIT_EMPTY = "That edit leaves the message empty, so your saved answer stays as it was."
ANSWER_EDIT_TOO_LONG = (
    "That edit makes the answer {n} characters long (up to 2,000 fit), so your saved answer "
    "stays as it was. Edit it shorter to replace it."
)
ANSWER_LOCKED_CLOSED = "That check-in has closed, so its answer can no longer change."

# A round that has ended: revealed, closed or expired.
ROUND_REVEALED = "This check-in has already been revealed."
ROUND_CLOSED = "This check-in has closed, so it can't be answered any more."
ROUND_PAIR_ENDED = (
    "This check-in belongs to a pair that has ended, so it can't be answered any more."
)

REVEAL_HEADER = "You've both answered. Here's your check-in:"
REVEAL_YOU = "You"
# The partner's label when their name would read as "You".
REVEAL_PARTNER = "Your partner"
# Shown to both partners, instead of both answers, when either kept the question private.
KEPT_PRIVATE = "This one stays private."

EXPIRED_ANSWERED = (
    "The check-in that opened {opened} closed before you both answered. "
    "Your answer stays private and will never be shown."
)
# A partner who answered part of a check-in of several questions when it closed.
EXPIRED_PARTLY = (
    "The check-in that opened {opened} closed before you both finished it. "
    "The answers you gave stay private and will never be shown."
)

# Weekly (deeper) rounds of several questions, revealed side by side.
ROUND_HEADER_OF = "Question {n} of {total} \u00b7 {dimension}"
WEEKLY_INTRO = (
    "Your weekly check-in: {n} deeper questions. Take your time; your answers are revealed "
    "together, side by side, once you've both answered all of them."
)
WANTS_LABELS = {"less": "Less", "same": "About the same", "more": "More"}
SMALL_GAP_WANTS = "A small difference: worth a word, no exercise needed."
REVEAL_DEEP_HEADER = (
    "You've both answered. Here are your answers side by side, question by question:"
)
