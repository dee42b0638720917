"""/history (revealed check-ins, page by page) and /insights (the chart and its summary).

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

HISTORY_EMPTY = "No revealed check-ins yet. Once you've both answered one, it shows up here."
HISTORY_HEADER = "Your check-ins, newest first ({first}\u2013{last} of {total}):"
HISTORY_ROUND = "{when} \u00b7 {kind}"
HISTORY_ROUND_EARLIER = "{when} \u00b7 {kind} \u00b7 earlier pair with {partner}"
HISTORY_KINDS = {"light": "check-in", "deep": "weekly check-in", "followup": "follow-up"}
BTN_OLDER = "\u2039 Older"
BTN_NEWER = "Newer \u203a"
HISTORY_END = "That's the end of your history."

INSIGHTS_EMPTY = (
    "No revealed check-ins in the last 12 weeks yet, so there's nothing to chart. Once you've "
    "both answered a few, /insights shows where you're close and where you differ."
)
INSIGHTS_TITLE = "Last 12 weeks: your answers side by side"
INSIGHTS_GAP = "gap {gap:.1f}"
INSIGHTS_NO_DATA = "no scale answers yet"
INSIGHTS_CAPTION = "The bars are averages of your 1\u20135 answers; the gap is how far apart you answered, on average."
INSIGHTS_SUMMARY_N = (
    "Last 12 weeks: {n} check-in revealed.",
    "Last 12 weeks: {n} check-ins revealed.",
)
INSIGHTS_ALIGNED = "Your answers are close on: {dims}."
INSIGHTS_DIFFER = "Your answers differ most on: {dims}."
INSIGHTS_MISMATCHES = "Differences that suggested an exercise: {n}."
INSIGHTS_STREAK_N = (
    "Your streak: {n} check-in that you both answered.",
    "Your streak: {n} check-ins in a row that you both answered.",
)
INSIGHTS_STREAK_ZERO = "Your streak starts with the next check-in you both answer."
INSIGHTS_AXIS_TOGETHER = (
    "Together \u2194 apart (1 together, 5 apart): you {mine}, {partner} {theirs}."
)
INSIGHTS_AXIS_GIVING = (
    "Giving \u2194 receiving (1 giving, 5 receiving): you {mine}, {partner} {theirs}."
)
INSIGHTS_AXIS_NOTE = "Neither end is better; these describe where each of you is leaning lately."
