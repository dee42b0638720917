"""/history (revealed check-ins, page by page) and /insights (the chart and its summary).

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

HISTORY_EMPTY = "No revealed check-ins yet. Once you've both answered one, it shows up here."
HISTORY_HEADER = "Your check-ins, newest first ({first}\u2013{last} of {total}):"
HISTORY_HEADER_ONE = "Your check-ins, newest first ({n} of {total}):"
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
INSIGHTS_TITLE = "Last 12 weeks, topic by topic"
INSIGHTS_GAP = "{gap:.1f}"
INSIGHTS_NO_DATA = "no answers to chart yet"
INSIGHTS_HEAD_LEVELS = "How much of it each of you reported: 1 less, 5 more"
INSIGHTS_HEAD_PREFERENCES = "Taste: how far apart"
INSIGHTS_HEAD_SEEN = "Who gives: seen apart by"
INSIGHTS_HEAD_TREND = "Asked every few months"
INSIGHTS_CAPTION = (
    "Bars: how much of each topic each of you reported, 1 to 5, where higher always means more "
    "of it (questions asked the other way round are turned to match). Taste: how far apart you "
    "answered questions where neither answer is better, 0 to 4. Who gives: how differently you "
    "two see who gives and who receives, 0 meaning the same way. Lines: the question you both "
    "answer every few months, over the last year."
)
INSIGHTS_SUMMARY_N = (
    "Last 12 weeks: {n} check-in revealed.",
    "Last 12 weeks: {n} check-ins revealed.",
)
INSIGHTS_ALIGNED = "How much of it you reported (the bars), close: {dims}."
INSIGHTS_DIFFER = "How much of it you reported (the bars), furthest apart: {dims}."
INSIGHTS_TASTE_CLOSE = "Questions of taste, where neither answer is better, closest: {dims}."
INSIGHTS_TASTE_APART = "Questions of taste, where neither answer is better, furthest apart: {dims}."
INSIGHTS_SEEN_ALIKE = "Who gives and who receives, seen the same way: {dims}."
INSIGHTS_SEEN_APART = "Who gives and who receives, seen differently: {dims}."
INSIGHTS_TREND_INTRO = "The question you both answer every few months, oldest first:"
INSIGHTS_TREND = "{dim}: you {mine}; {partner} {theirs}"
INSIGHTS_MISMATCHES = "Differences that suggested an exercise: {n}."
INSIGHTS_NOTE = "These figures describe your answers lately; none of them is a score."
INSIGHTS_STREAK_N = (
    "Your streak: {n} check-in that you both answered.",
    "Your streak: {n} check-ins in a row that you both answered.",
)
INSIGHTS_STREAK_ZERO = "Your streak starts with the next check-in you both answer."
