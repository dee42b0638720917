"""Texts every feature shares: the command menus, /help, and the generic replies (not
paired, stale or someone else's buttons, /cancel, nothing awaited, unknown commands, errors).

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

# The command menus: (command, description); command names are not texts, descriptions are.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Begin, or come back after a break"),
    ("pair", "Invite your partner"),
    ("checkin", "Start a check-in now"),
    ("weekly", "A weekly deeper check-in of three questions"),
    ("focus", "Choose topics to come up more often"),
    ("packs", "Life-stage packs: questions for what you're going through"),
    ("anniversary", "Your anniversary, for a yearly question (optional)"),
    ("trip", "A trip coming up: a question before and after"),
    ("deeper", "Whether sensitive questions may come (your private choice)"),
    ("history", "Your revealed check-ins"),
    ("insights", "A chart of the last 12 weeks"),
    ("settings", "Schedule, time and timezone"),
    ("frequency", "Daily, weekdays, weekly or off"),
    ("time", "Set the check-in time, e.g. /time 20:00"),
    ("timezone", "Set your timezone, e.g. /timezone Berlin"),
    ("language", "The language I write to you in"),
    ("quiet", "Your quiet hours, e.g. /quiet 23:00 07:30 or /quiet off"),
    ("pause", "Pause check-ins"),
    ("resume", "Resume check-ins"),
    ("cancel", "Stop what you are typing"),
    ("unpair", "End the pair"),
    ("delete", "Delete everything Tandem stores about you"),
    ("privacy", "What Tandem stores, who sees it, for how long"),
    ("export", "A file of your data"),
    ("retention", "How long your pair keeps its check-ins"),
    ("cohort", "The program you're taking part in"),
    ("leave_cohort", "Leave the program"),
    ("help", "What Tandem does and its commands"),
    ("safety", "Support, privately, and how to step away quietly"),
)
FACILITATOR_COMMANDS: tuple[tuple[str, str], ...] = (
    ("cohort_new", "Start a cohort for a program"),
    ("cohorts", "Your cohorts: status, broadcast, export, pause, end"),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("facilitator_invite", "A single-use link that makes someone a facilitator"),
    ("facilitators", "The facilitators, with buttons to remove one"),
)

HELP = (
    "Tandem: check-ins for two. Same question to both of you, answers hidden until you've both "
    "answered, then revealed to both.\n\nCommands:\n{commands}\n\n"
    "Your answers are shared only with your partner, only after you've both answered."
)
HELP_FACILITATOR = "For facilitators and admins:\n{commands}"

NOT_PAIRED = "You're not in a pair right now. Send /pair to invite your partner."
KEPT = "Okay, nothing changed."
BUTTON_STALE = "This button no longer works."
BUTTON_NOT_YOURS = "This button isn't for you."
TAP_A_BUTTON = "Tap one of the buttons above to go on, or /cancel to stop."

# Typed messages and /cancel when nothing in particular is awaited.
NOTHING_WAITING = "I'm not waiting for a message from you right now. /help shows what I can do."
NON_TEXT_IDLE = "I can only read text messages. /help shows what I can do."
CANCELLED = "Okay, stopped. Nothing was changed."
NOTHING_TO_CANCEL = "There's nothing to cancel right now."

GROUP_ONLY_PRIVATE = "I work in private chats only. Talk to me here: {link}"
GROUP_BUTTON_PRIVATE = "I work in private chats only: open your chat with me to use this."
UNKNOWN_COMMAND = "I don't know that command. /help lists what I can do."
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Weekdays as items of a list after a colon inside a sentence ("Check-in days: Mondays,
# Wednesdays"): a form of their own (lower case where a language writes them so), never put
# after a preposition, so no case is imposed (issue 12).
WEEKDAYS_LISTED = (
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
)
