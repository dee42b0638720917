"""Exercises: the offer after a difference, both partners' private picks and settling them,
reminders to do one together, and the follow-up question.

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

# The offer after a reveal, both partners' private picks, and settling them.
# {topic}: a dimension as a sentence names it (``Dimension.topic``: "time together and apart").
OFFER_MISMATCH = "On {topic}, your answers pulled apart. That's worth knowing, not a problem."
OFFER_REPEATED = (
    "On {topic}, your answers have pulled apart more than once lately. Here are some deeper "
    "exercises for it."
)
OFFER_SHARED_CONCERN = (
    "On {topic}, you both answered toward the harder end. You see it the same way, and "
    "that's something to look at together, side by side."
)
OFFER_IMBALANCE = (
    "On {topic}, you both see one of you carrying more right now. Seeing it the same way "
    "is a good start. If you'd like to even it out a little, here's something to try together."
)
OFFER_ASK = (
    "Pick the one you'd like to do together, or \u201cNot now\u201d. {partner} picks too; "
    "neither of you sees the other's pick until you both have."
)
OFFER_OPTION = "{n}. {title} ({kind}, about {minutes} min)\n{why}"
BTN_NOT_NOW = "Not now"
BTN_NOT_THIS_TIME = "Not this time"
PICK_SAVED = "Saved: {pick}. You can change it until {partner} picks too."
PICK_WAITING = "{name} has made their pick. Make yours and you'll both see both picks."
PICK_TOAST = "Saved"
PICK_NONE = "not now"
OFFER_CLOSED = "This suggestion is closed."
OFFER_REPLACED = "A newer suggestion replaced this one."
OFFER_AGREED = "You both picked \u201c{title}\u201d."
OFFER_DECIDED = "{name} settled it: you're doing \u201c{title}\u201d."
OFFER_DECIDED_YOU = "Settled: you're doing \u201c{title}\u201d."
OFFER_DECLINED_BOTH = "You both chose not now. That's fine: if it matters, it will come up again."
OFFER_DECLINED_DECIDE = (
    "{name} would rather leave it for now. That's fine: if it matters, it will come up again."
)
OFFER_DIFFERENT = (
    "Your picks are in.\nYou: {mine}\n{partner}: {theirs}\n\n"
    "A quick way to decide: each of you says in one sentence what draws you to your pick, then "
    "go with the one the other found more convincing. Still torn? Start with the shorter one, "
    "or let a coin decide. "
    "Either of you can settle it with a button below."
)
OFFER_NOT_THIS_TIME_YOU = "Okay, not this time. If it matters, it will come up again."
OFFER_PARTNER_PASSED = (
    "{name} would rather not do an exercise right now, so nothing is settled between you. "
    "That's okay: if it matters, it will come up again. If you like, \u201c{title}\u201d is "
    "yours to try on your own."
)
OFFER_YOU_PASSED = "Okay, no exercise this time. If it matters, it will come up again."
OFFER_WITHDRAWN = (
    "{name} would rather not do \u201c{title}\u201d this time after all, so it's off. That's "
    "okay: if it matters, it will come up again."
)
ENCOURAGE = (
    "On {topic}, your answers are closer than last time. Whatever you two have been "
    "doing, it seems to help."
)

# An exercise as shown.
EXERCISE_HEADER = "{title} ({kind}, about {minutes} minutes)"
EXERCISE_WHY = "Why it helps: {why}"
EXERCISE_KINDS = {
    "negotiation": "negotiation",
    "boundary": "boundaries",
    "appreciation": "appreciation",
    "listening": "listening",
    "repair": "repair",
    "growth": "growth",
    "friendship": "friendships",
    "vulnerability": "opening up",
}

# A reminder to do it together.
REMIND_ASK = "Want a reminder to do it together? Either of you can set one."
BTN_REMIND_TODAY = "Today {time}"
BTN_REMIND_TOMORROW = "Tomorrow {time}"
BTN_REMIND_TYPE = "Another time"
BTN_REMIND_NONE = "No reminder"
REMIND_TYPE = (
    "When? Send a time like 19:30, or a day and a time like \u201ctomorrow 19:30\u201d or "
    "\u201csat 10:00\u201d (your time). /cancel to skip."
)
REMIND_BAD = "I couldn't read that as a time. Try 19:30, tomorrow 19:30 or sat 10:00, or /cancel."
REMIND_PAST = "That time has already passed. Pick a time later than now, or /cancel."
REMIND_PAST_BUTTON = "That time has passed. Tap \u201cAnother time\u201d to choose a new one."
REMIND_TOO_FAR = (
    "That time is too far ahead; nothing was changed. Tap \u201cAnother time\u201d to choose "
    "one within 30 days."
)
REMIND_OFF_YOU = "Okay, no reminder: the one that was set is off."
REMIND_OFF_PARTNER = "{name} turned off the reminder for your exercise."
REMIND_SET_YOU = "Reminder set: {when}. I'll remind you both."
REMIND_SET_PARTNER = "{name} set a reminder for \u201c{title}\u201d: {when}."
REMIND_NONE = "Okay, no reminder."
REMIND_DUE = "Reminder: you planned to do \u201c{title}\u201d together now."

# The follow-up question, some days after an exercise was settled.
FOLLOWUP_HEADER = "Follow-up"
FOLLOWUP_INTRO = "You recently settled on \u201c{title}\u201d together."
FOLLOWUP_ABOUT = "About \u201c{title}\u201d:"
FOLLOWUP_QUESTION = "How did it go for you?"
FOLLOWUP_LOW = "It didn't help us"
FOLLOWUP_HIGH = "It helped a lot"
#: The follow-up's own option beside the scale (a button, and the answer as shown).
FOLLOWUP_NOT_YET = "Haven't done it yet"
