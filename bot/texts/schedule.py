"""A pair's schedule: /settings, /frequency, /time, whose timezone it follows, pause and
resume, night-time warnings, the weekly check-in (/weekly) and /focus.

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

# /settings and the changes made from it (/frequency, /time, pause and resume).
SETTINGS = (
    "Your check-ins with {partner}\n"
    "\u2022 Schedule: {schedule}\n"
    "\u2022 Your time: {mine} \u00b7 {partner}'s time: {theirs}\n"
    "\u2022 Status: {status}\n"
    "\u2022 Next: {next}"
)
# The pair's time read on someone's clock, when it falls in their quiet hours: one sentence
# for the reader, one for the partner (two whole sentences translate better than a "{who}").
NIGHT_WARNING_YOU = "\n\nHeads-up: that's {local} for you, inside your quiet hours ({quiet})."
NIGHT_WARNING_PARTNER = (
    "\n\nHeads-up: that's {local} for {name}, inside their quiet hours ({quiet})."
)
STATUS_ACTIVE = "active"
STATUS_PAUSED = "paused (/resume to continue)"
# Paused by the partner, or the partner can't be reached: the same words (privacy rule 8).
STATUS_HELD = "paused for now"
STATUS_OFF = "off"
STATUS_WAITING_ZONE = "waiting for {name}'s timezone"
STATUS_WAITING_YOUR_ZONE = "waiting for your timezone (/timezone)"
STATUS_WEEKLY_ONLY = "weekly check-in only"
NEXT_NONE = "none scheduled"
# /settings' "Next:" when nothing is scheduled, saying why (issue 12).
# In /settings, where "Status" already says how to resume.
NEXT_PAUSED = "none while check-ins are paused"
# After a change made while paused, by whoever paused them.
NEXT_PAUSED_YOU = "none while check-ins are paused (/resume brings them back)"
NEXT_HELD = "none for now, check-ins are paused"
NEXT_OFF = "none, check-ins are off \u2014 /frequency to turn them on"
NEXT_AT = "{when} your time"
BTN_DAILY = "Daily"
BTN_WEEKDAYS = "Weekdays"
BTN_WEEKLY = "Weekly"
BTN_OFF = "Off"
BTN_TIME = "Change time"
BTN_TZ = "Timezone"
BTN_PAUSE = "Pause"
BTN_RESUME = "Resume"
FREQUENCY_ASK = "How often should check-ins come?"
FREQUENCY_UNKNOWN = (
    "Choose daily, weekdays, weekly (with a day, e.g. /frequency weekly sun) or off."
)
WEEKDAY_ASK = "On which day?"
TIME_ASK = "Send the new check-in time, like 19:30 or 8pm. /cancel to keep the current one."
#: Why a typed time was refused, by scheduler.cadence.TimeReason code.
TIME_REASONS = {
    "empty": "Please send a time, for example 20:00 or 8pm.",
    "hour_24": "Hours go from 0 to 23 on a 24-hour clock, for example 20:00.",
    "minute": "Minutes go from 00 to 59, for example 20:30 or 8:30pm.",
    "hour_12": "With am/pm the hour goes from 1 to 12, for example 8pm or 12am.",
    "unreadable": "I couldn't read that as a time. Try 20:00, 8:30pm or 8 pm.",
}
PAIR_TZ_ASK = "Which timezone should your check-ins follow?"
PAIR_TZ_SAME = (
    "You both use {zone}. To run your check-ins on another zone, set yours first with "
    "/timezone (for example /timezone Lisbon)."
)
PAIR_TZ_MINE = "Mine: {zone}"
PAIR_TZ_PARTNER = "{partner}'s: {zone}"
SCHEDULE_CHANGED_YOU = "Done. Check-ins now come {schedule}. Next one: {next}."
PAUSED_YOU = "Check-ins are paused. /resume brings them back."
RESUMED_YOU = "Check-ins are back on. Next one: {next}."
# Resumed while the schedule is off: nothing is scheduled, and that is why.
RESUMED_OFF_YOU = (
    "Check-ins are no longer paused. The schedule is off, so a check-in comes only when one of "
    "you sends /checkin; /frequency sets a schedule."
)
# What a partner hears when check-ins stop or start again. Discreet on purpose (DESIGN.md, privacy
# rule 8): a pause, a block of the bot and coming back all read the same, with no name and no
# command, so a partner cannot tell who did what or how.
CHECKINS_PAUSED_NOTICE = (
    "Your check-ins are paused for now. Nothing unrevealed was shared. You'll hear here when "
    "they continue."
)
CHECKINS_RUNNING_NOTICE = "Your check-ins are running again. Next one: {next}."
CHECKINS_RUNNING_OFF_NOTICE = (
    "Your check-ins are running again. The schedule is off, so a check-in comes only when one "
    "of you sends /checkin."
)
ALREADY_HELD = "Check-ins are already paused for now. You'll hear here when they continue."
RESUME_HELD = (
    "Your check-ins are paused for now and can't start again from here at the moment. "
    "You'll hear here when they continue."
)
ALREADY_PAUSED = "Check-ins are already paused. /resume brings them back."
NOT_PAUSED = "Check-ins aren't paused. Next one: {next}."
NOTHING_CHANGED = "That's already the setting."
SCHEDULE_UNCHANGED = "That's already how it is: check-ins come {schedule}. Next one: {next}."
SCHEDULE_DAILY = "daily at {time} ({zone})"
SCHEDULE_WEEKDAYS = "on weekdays at {time} ({zone})"
# One whole phrase per weekday (Monday first), so a translation can inflect the day or use
# its own construction ("cada lunes a las {time}", "по понедельникам в {time}").
SCHEDULE_WEEKLY = (
    "every Monday at {time} ({zone})",
    "every Tuesday at {time} ({zone})",
    "every Wednesday at {time} ({zone})",
    "every Thursday at {time} ({zone})",
    "every Friday at {time} ({zone})",
    "every Saturday at {time} ({zone})",
    "every Sunday at {time} ({zone})",
)
SCHEDULE_OFF = "only when one of you sends /checkin (the schedule is off)"
SCHEDULE_OFF_WEEKLY = "only as your weekly check-in (/weekly), and when one of you sends /checkin"

# /weekly
WEEKLY_STATUS_ON = "Your weekly check-in: {schedule}. Next: {next}."
WEEKLY_STATUS_OFF = (
    "The weekly check-in is three deeper questions (needs, boundaries, how you two are doing), "
    "revealed side by side once you've both answered all three. It can come alongside your daily "
    "check-ins or instead of them (/frequency off). Pick a day:"
)
WEEKLY_CHANGE = "Pick another day, or turn it off:"
WEEKLY_SET_YOU = "Done: your weekly check-in comes {schedule}. Next: {next}."
WEEKLY_OFF_YOU = "The weekly check-in is off."
WEEKLY_ALREADY_OFF = "The weekly check-in is already off."
WEEKLY_UNCHANGED = "That's already your weekly check-in. /weekly shows it."
WEEKLY_UNKNOWN = (
    "Try /weekly sunday, /weekly sun 10:00 or /weekly off. Without a time it uses your "
    "check-in time."
)
SCHEDULE_WEEKLY_DEEP = "Weekly deeper check-in: {schedule}"

# /focus
FOCUS_STATUS = (
    "Focus: {focus}.\nTopics in focus come up about twice as often as the others, all year "
    "round, and their questions may come back sooner; every other topic still comes up, and "
    "its questions don't repeat until you've had them all. Tap to change (up to {max})."
)
FOCUS_NONE = "none (all topics equally)"
FOCUS_SET_YOU = "Focus set: {focus}."
FOCUS_CLEARED_YOU = "Focus cleared: all topics come up equally."
FOCUS_UNKNOWN = "I don't know the topic \u201c{word}\u201d. The topics are: {topics}."
FOCUS_TOO_MANY = "Up to {max} topics can be in focus at once."
BTN_CLEAR = "Clear"

# A schedule change that lands in the partner's quiet hours is a proposal they answer (issue 12).
PROPOSAL_SENT = (
    "{when} ({zone}) is {local} for {partner}, inside their quiet hours, so {partner} is asked "
    "first. Your check-ins stay as they are until they accept; I'll tell you what they say."
)
PROPOSAL_ASK = (
    "{name} would like your check-ins to come {schedule}. That's {local} on your clock, "
    "inside your quiet hours, so it changes only if you accept."
)
# The same, when the clocks change first: {day} is like "Sun 8 Mar".
PROPOSAL_SENT_FROM = (
    "{when} ({zone}) becomes {local} for {partner} from {day}, when the clocks change: inside "
    "their quiet hours, so {partner} is asked first. Your check-ins stay as they are until they "
    "accept; I'll tell you what they say."
)
PROPOSAL_ASK_FROM = (
    "{name} would like your check-ins to come {schedule}. From {day}, when the clocks change, "
    "that's {local} on your clock, inside your quiet hours, so it changes only if you accept."
)
BTN_PROPOSAL_ACCEPT = "Accept"
BTN_PROPOSAL_DECLINE = "Keep as it is"
PROPOSAL_ACCEPTED_YOU = "Accepted. Check-ins now come {schedule}. Next one: {next}."
PROPOSAL_ACCEPTED_PARTNER = "{name} accepted: check-ins now come {schedule}. Next one: {next}."
PROPOSAL_DECLINED_YOU = "Kept as it is. I'll let {name} know."
PROPOSAL_DECLINED_PARTNER = "{name} would rather keep the check-ins as they are."
PROPOSAL_REPLACED = "This proposal was replaced by a newer one."
PROPOSAL_ANSWERED = "This proposal was already answered."
PROPOSAL_OWN = "That's your own proposal: {partner} decides on it."
PROPOSAL_NOT_YOURS = "This proposal is about someone else's check-ins, so it does nothing here."
PROPOSAL_WAITING = "Waiting for {name}: check-ins to come {schedule}."

# Changes made within a few minutes, told to the partner in one message (issue 12).
NOTICE_HEAD = "{name} changed your shared settings:"
NOTICE_SCHEDULE = "Check-ins: {schedule}, {local} your time. Next one: {next}."
# With the schedule off, the time and zone are kept for when it is set again: said, so that
# a change of either while off is not a silent one (issue 12).
NOTICE_SCHEDULE_OFF = (
    "Check-ins: {schedule}. The check-in time stays {time} ({zone}), {local} your time, for when a "
    "schedule is set again."
)
NOTICE_WEEKLY = "Weekly check-in: {schedule}."
NOTICE_WEEKLY_OFF = "Weekly check-in: off."
NOTICE_FOCUS = "Focus: {focus}."
NOTICE_FOCUS_CLEARED = "Focus: cleared, so all topics come up equally."
NOTICE_PACKS = "Life-stage packs on: {packs}."
