"""A pair's calendar: life-stage packs (/packs), the anniversary (/anniversary) and trips
(/trip), and how /settings shows them.

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

# /packs
PACKS_STATUS = (
    "Life-stage packs bring questions for a stretch of life you're going through. While a "
    "pack is on, every other daily check-in asks one of its questions until they've all "
    "come up, and a weekly check-in may bring one of its deeper ones. Either of you can turn "
    "a pack on or off; up to {max} at a time.\n\n{packs}\n\nOn now: {active}."
)
PACK_LINE = "\u2022 {name}: {description}"
PACKS_NONE_ON = "none"
PACKS_NONE_SHIPPED = "No life-stage packs are available yet."
BTN_PACK_ON = "Turn on: {name}"
BTN_PACK_OFF = "\u2713 {name} (tap to turn off)"
PACK_ON_YOU = "{pack} is on: its questions join your check-ins."
PACK_OFF_YOU = "{pack} is off."
PACKS_TOO_MANY = "Up to {max} packs can be on at once: turn one off first."

# /anniversary
ANNIVERSARY_NONE = (
    "No anniversary saved. If you'd like, send the day you count from, e.g. "
    "/anniversary 14 June (or /anniversary 2019-06-14). Around that day each year, one "
    "check-in brings a question about the two of you."
)
ANNIVERSARY_STATUS = (
    "Your anniversary: {day}. Around that day each year, one check-in brings a question about "
    "the two of you. To change it, send /anniversary with another date; to forget it, "
    "/anniversary clear."
)
ANNIVERSARY_SET_YOU = (
    "Saved: your anniversary is {day}. Around that day each year, one check-in will bring a "
    "question about the two of you."
)
ANNIVERSARY_SET_PARTNER = "{name} set your anniversary: {day}."
ANNIVERSARY_CLEARED_YOU = "Anniversary forgotten."
ANNIVERSARY_CLEARED_PARTNER = "{name} cleared your anniversary."
ANNIVERSARY_NOTHING = "There's no anniversary saved, so nothing changed."
ANNIVERSARY_UNREADABLE = (
    "I couldn't read that as one date. Try /anniversary 14 June or /anniversary 2019-06-14."
)
ANNIVERSARY_NO_SUCH_DAY = "That day isn't in the calendar. Try again, e.g. /anniversary 14 June."
ANNIVERSARY_TOO_EARLY = (
    "That year is too long ago to be yours. Send the day you count from, e.g. "
    "/anniversary 14 June 2019."
)
ANNIVERSARY_FUTURE = (
    "That date is still ahead. Send the day you count from, e.g. /anniversary 14 June."
)
ANNIVERSARY_HINT = (
    "Ten check-ins together so far. If you'd like, tell me when you got together, and around "
    "that day each year one check-in will bring a question just for the two of you: "
    "/anniversary 14 June. Entirely up to you; I won't bring it up again."
)

# /trip
TRIP_NONE = (
    "No trip noted. Going away? Send /trip with the first and last day, e.g. "
    "/trip 3 May 10 May (one date for a day trip). A check-in just before brings a question "
    "about it, and one after you're back."
)
TRIP_STATUS = (
    "Trip noted: {dates}. A check-in just before brings a question about it, and one after "
    "you're back. To change it, send /trip with new dates; to forget it, /trip clear."
)
TRIP_SET_YOU = (
    "Trip noted: {dates}. A check-in just before brings a question about it, and one after "
    "you're back."
)
TRIP_REPLACED = "It replaces the trip noted before (one at a time)."
TRIP_SET_PARTNER = "{name} noted a trip: {dates}."
TRIP_CLEARED_YOU = "Trip forgotten."
TRIP_CLEARED_PARTNER = "{name} cleared the trip."
TRIP_NOTHING = "There's no trip noted, so nothing changed."
TRIP_DATES = "{start} \u2013 {end}"
TRIP_UNREADABLE = (
    "I couldn't read those dates. Try /trip 3 May 10 May or /trip 2027-05-03 2027-05-10."
)
TRIP_NO_SUCH_DAY = "One of those days isn't in the calendar. Try again, e.g. /trip 3 May 10 May."
TRIP_TOO_MANY = "A trip has a first and a last day, nothing more: e.g. /trip 3 May 10 May."
TRIP_END_BEFORE = "The last day comes before the first. Try again, e.g. /trip 3 May 10 May."
TRIP_OVER = "That trip is already over. Send the dates of one still ahead."
TRIP_TOO_FAR = "That's more than a year ahead: note it closer to the time."
TRIP_TOO_LONG = "A trip can last up to {days} days."

# /settings
SETTINGS_PACKS = "Life-stage packs: {packs} (/packs)"
SETTINGS_ANNIVERSARY = "Anniversary: {day}"
SETTINGS_TRIP = "Trip: {dates}"
