"""Each person's quiet hours: /quiet, the line in /settings, and a typed reminder time moved
out of them (issue 12).

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

# /quiet: {hours} is like "22:00–08:00"; {zone} the user's timezone.
QUIET_SHOW = (
    "Your quiet hours: {hours} (your time, {zone}).\n\n"
    "Inside them, whatever can wait (reminders, your partner's notices, exercise offers) "
    "arrives when they end, and a check-in or a reveal comes without sound.\n\n"
    "Change them: /quiet 23:00 07:30 \u00b7 turn them off: /quiet off"
)
QUIET_SHOW_OFF = (
    "Your quiet hours are off: every message comes when it's sent, with sound.\n\n"
    "Turn them on (22:00\u201308:00): /quiet on \u00b7 choose your own: /quiet 23:00 07:30"
)
QUIET_SET = (
    "Done. Your quiet hours are now {hours} (your time). Your partner gets no message about "
    "it, but sees your quiet hours in /settings, so that schedule changes can respect them."
)
QUIET_SET_OFF = (
    "Done. Quiet hours are off: messages come when they're sent, with sound. /quiet on brings "
    "back 22:00\u201308:00. Your partner gets no message about it, but sees in /settings "
    "that yours are off."
)
# After a change, when the pair's check-in time falls inside the new quiet hours.
QUIET_CHECKINS_SILENT = (
    "Your check-ins come at {local} your time, inside these quiet hours: they'll arrive "
    "without sound."
)
QUIET_FORMAT = (
    "Send when your quiet hours start and end, for example /quiet 23:00 07:30 (or /quiet off, "
    "/quiet on)."
)
QUIET_TWO_TIMES = (
    "I need two times: when your quiet hours start and when they end, for example "
    "/quiet 23:00 07:30."
)
QUIET_SAME = (
    "Quiet hours must start and end at different times, for example /quiet 23:00 07:30. To "
    "have none, send /quiet off."
)
QUIET_OFF_WORD = "off"
# /settings: {mine} and {theirs} are like "22:00–08:00" or the word for off.
SETTINGS_QUIET = "Your quiet hours: {mine} \u00b7 {partner}'s: {theirs} (their time)"
SETTINGS_QUIET_PARTNER_OFF = "Your quiet hours: {mine} \u00b7 {partner}'s: off"
# A typed exercise reminder time inside the typer's quiet hours: moved to their end.
REMIND_MOVED_QUIET = (
    "{asked} is inside your quiet hours ({hours}), so I set the reminder for {when} instead, "
    "when they end. To pick another time, tap \u201c{button}\u201d again."
)
