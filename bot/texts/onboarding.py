"""A newcomer's /start and the timezone: the welcome, the next step, choosing a zone.

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

WELCOME = (
    "Hi {name}, welcome to Tandem.\n\n"
    "Tandem asks you and your partner the same short question on a schedule you choose. "
    "Each answer stays hidden until you have both answered; then both of you see both answers "
    "at once. When your answers pull apart, I suggest a short exercise to do together.\n\n"
    "What stays private: your answer, until your partner has answered too. If they never do, "
    "nobody ever sees it.\n\n"
    "Whenever you need it, /safety is a private page about support."
)
ASK_TIMEZONE = (
    "First, which timezone are you in? Tap one below, or type a city or zone name "
    "(for example: berlin, New York, Asia/Tokyo)."
)
ASK_TIMEZONE_AFTER_PAIR = (
    "One more thing: which timezone are you in? Then every time I show is your local time. "
    "Tap one below, or type a city or zone name."
)
ASK_TIMEZONE_AGAIN = "Which timezone are you in? Tap one below, or type a city or zone name."
ASK_TIMEZONE_BEFORE_PAIR = (
    "Before your partner joins: which timezone are you in? Your check-ins will follow it "
    "until one of you changes it. Tap one below, or type a city."
)
NEXT_STEP_UNPAIRED = "Next step: send /pair to get an invite link for your partner."
NEXT_STEP_PAIRED = (
    "You're paired with {partner}. /checkin starts a check-in now; /settings shows your schedule."
)

TIMEZONE_SET = "Got it: your timezone is {zone} (it's {local} there now)."
TIMEZONE_UNKNOWN = (
    "I couldn't find a timezone called \u201c{text}\u201d. Try the nearest big city "
    "(like Berlin or Chicago) or a zone name like Europe/Lisbon."
)
# An offset from UTC that no place uses (issue 12): say the range rather than "not found".
TIMEZONE_BAD_OFFSET = (
    "\u201c{text}\u201d isn't an offset in use: offsets from UTC go from UTC-12:00 to "
    "UTC+14:00, in quarter hours (like UTC+5:30). Or send the nearest big city."
)
TIMEZONE_OFFER_PAIR = (
    "Your check-ins with {partner} follow {pair_zone}. Use {zone} for them instead?"
)
TIMEZONE_USE_MINE = "Use {zone} for our check-ins"
TIMEZONE_KEEP = "Keep {zone}"
TIMEZONE_OTHER = "Other: I'll type it"
TIMEZONE_TYPE = "Type your city or timezone, for example: Lisbon, Chicago, Asia/Tokyo."
TIMEZONE_FIXED_NOTE = (
    "{zone} is a fixed offset from UTC: it does not follow daylight saving, so if your clocks "
    "change in summer or winter, your times will be an hour off then. To follow your local "
    "clock all year, type your city instead (for example: Berlin, Chicago)."
)
TIMEZONE_POSIX_NOTE = (
    "Note: in names like \u201c{text}\u201d the sign is inverted (a POSIX rule), so it means "
    "{zone}. That is how I read and show it."
)
