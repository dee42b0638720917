"""Every user-facing sentence of the bot (content texts live in ``content/``).

Kept in one module so that wording is reviewed in one place and a message catalog can replace
it later. Texts are plain: they are sent without a parse mode.
"""

from __future__ import annotations

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Begin, or come back after a break"),
    ("pair", "Invite your partner"),
    ("checkin", "Start a check-in now"),
    ("settings", "Schedule, time and timezone"),
    ("frequency", "Daily, weekdays, weekly or off"),
    ("time", "Set the check-in time, e.g. /time 20:00"),
    ("timezone", "Set your timezone, e.g. /timezone Berlin"),
    ("pause", "Pause check-ins"),
    ("resume", "Resume check-ins"),
    ("cancel", "Stop what you are typing"),
    ("unpair", "End the pair"),
    ("delete", "Delete everything Tandem stores about you"),
    ("help", "What Tandem does and its commands"),
)

WELCOME = (
    "Hi {name}, welcome to Tandem.\n\n"
    "Tandem asks you and your partner the same short question on a schedule you choose. "
    "Each answer stays hidden until you have both answered; then both of you see both answers "
    "at once. When your answers pull apart, I suggest a short exercise to do together.\n\n"
    "What stays private: your answer, until your partner has answered too. If they never do, "
    "nobody ever sees it."
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
WELCOME_BACK = "Welcome back, {name}."
PARTNER_BACK = "{name} is back on Tandem, so your check-ins continue. Next one: {next}."
HELP = (
    "Tandem: check-ins for two. Same question to both of you, answers hidden until you've both "
    "answered, then revealed to both.\n\nCommands:\n{commands}\n\n"
    "Your answers are shared only with your partner, only after you've both answered."
)

TIMEZONE_SET = "Got it: your timezone is {zone} (it's {local} there now)."
TIMEZONE_UNKNOWN = (
    "I couldn't find a timezone called \u201c{text}\u201d. Try the nearest big city "
    "(like Berlin or Chicago) or a zone name like Europe/Lisbon."
)
TIMEZONE_OFFER_PAIR = (
    "Your check-ins with {partner} follow {pair_zone}. Use {zone} for them instead?"
)
TIMEZONE_USE_MINE = "Use {zone} for our check-ins"
TIMEZONE_KEEP = "Keep {zone}"
TIMEZONE_OTHER = "Other: I'll type it"
TIMEZONE_TYPE = "Type your city or timezone, for example: Lisbon, Chicago, Asia/Tokyo."

INVITE_CREATED = (
    "Here is your invite link. Send it to your partner; it works once and expires in 48 hours:\n\n"
    "{link}\n\nWhen they open it and accept, I'll tell you both."
)
INVITE_ALREADY_PAIRED = (
    "You're already paired with {partner}. To pair with someone else, /unpair first."
)
INVITE_INVALID = "This invite link isn't valid. Ask your partner to send a fresh one with /pair."
INVITE_USED = "This invite link has already been used, or a newer one replaced it. Ask your partner for a fresh one with /pair."
INVITE_EXPIRED = (
    "This invite has expired (they last 48 hours). Ask your partner for a fresh one with /pair."
)
INVITE_OWN = "That's your own invite link. Send it to your partner so they can open it."
INVITE_OPENED = (
    "{inviter} invited you to check in together on Tandem.\n\n"
    "You'll both get the same question on a schedule you choose. Each answer stays hidden "
    "until you've both answered. Accept?"
)
INVITE_ACCEPT = "Accept"
INVITE_DECLINE = "Decline"
INVITE_DECLINED_YOU = "Okay, declined. Nothing was shared."
INVITE_DECLINED_INVITER = "{name} declined your invite. You can send a new one any time with /pair."
INVITE_NOT_YOURS = "This button isn't for you: open the invite link you were sent."
PAIRED = (
    "You're now paired with {partner}.\n\n"
    "Check-ins come {schedule}. Next one: {next}.\n"
    "/settings changes that; /checkin starts one right now."
)

PAIRED_TOAST = "Paired"

NOT_PAIRED = "You're not paired yet. Send /pair to invite your partner."
UNPAIR_CONFIRM = (
    "End your pair with {partner}? Open check-ins close without showing any answer. "
    "Revealed check-ins stay as they were."
)
UNPAIR_YES = "Yes, end it"
UNPAIR_NO = "No, keep it"
UNPAIR_DONE = (
    "Your pair with {partner} has ended. Nothing unrevealed was shared. /pair starts a new one."
)
UNPAIR_PARTNER = (
    "{name} ended your pair on Tandem. Nothing unrevealed was shared. /pair starts a new one."
)
KEPT = "Okay, nothing changed."

DELETE_CONFIRM = (
    "Delete everything Tandem stores about you? This ends your pair (if any) and removes your "
    "answers, invites and settings. It can't be undone."
)
DELETE_YES = "Yes, delete my data"
DELETE_NO = "No, keep it"
DELETE_DONE = "Done: everything Tandem stored about you is deleted. Send /start if you ever want to begin again."

SETTINGS = (
    "Your check-ins with {partner}\n"
    "\u2022 Schedule: {schedule}\n"
    "\u2022 Your time: {mine} \u00b7 {partner}'s time: {theirs}\n"
    "\u2022 Status: {status}\n"
    "\u2022 Next: {next}"
)
NIGHT_WARNING = "\n\nHeads-up: that's {local} at night for {who}."
STATUS_ACTIVE = "active"
STATUS_PAUSED = "paused (/resume to continue)"
STATUS_OFF = "off"
STATUS_ON_HOLD = "on hold until {name} starts Tandem again"
NEXT_NONE = "none scheduled"
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
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TIME_ASK = "Send the new check-in time, like 19:30 or 8pm. /cancel to keep the current one."
TIME_BAD = "{error}"
PAIR_TZ_ASK = "Which timezone should your check-ins follow?"
PAIR_TZ_SAME = (
    "You both use {zone}. To run your check-ins on another zone, set yours first with "
    "/timezone (for example /timezone Lisbon)."
)
PAIR_TZ_MINE = "Mine: {zone}"
PAIR_TZ_PARTNER = "{partner}'s: {zone}"
SCHEDULE_CHANGED_YOU = "Done. Check-ins now come {schedule}. Next one: {next}."
SCHEDULE_CHANGED_PARTNER = (
    "{name} changed your check-ins: they now come {schedule}. Next one: {next}."
)
PAUSED_YOU = "Check-ins are paused. /resume brings them back."
PAUSED_PARTNER = "{name} paused your check-ins. Either of you can /resume them."
RESUMED_YOU = "Check-ins are back on. Next one: {next}."
RESUMED_PARTNER = "{name} resumed your check-ins. Next one: {next}."
ALREADY_PAUSED = "Check-ins are already paused. /resume brings them back."
NOT_PAUSED = "Check-ins aren't paused. Next one: {next}."
NOTHING_CHANGED = "That's already the setting."
SCHEDULE_UNCHANGED = "That's already how it is: check-ins come {schedule}. Next one: {next}."
SCHEDULE_DAILY = "daily at {time} ({zone})"
SCHEDULE_WEEKDAYS = "on weekdays at {time} ({zone})"
SCHEDULE_WEEKLY = "every {day} at {time} ({zone})"
SCHEDULE_OFF = "only when one of you sends /checkin (the schedule is off)"

CHECKIN_OPEN_ALREADY = "There's already an open check-in. Here it is again:"
CHECKIN_OPEN_ANSWERED = "There's already an open check-in, and you've answered it. It reveals when your partner answers too."
INVITE_ALREADY_ACCEPTED = "Already done: you're paired."
CHECKIN_LIMIT_UNSCHEDULED = (
    "That's {n} check-ins today already. Let's leave some room and pick it up tomorrow."
)
CHECKIN_LIMIT = (
    "That's {n} check-ins today already. Let's leave some room; the next scheduled one is {next}."
)
CHECKIN_STARTED_BY = "{name} started a check-in."
CHECKIN_ON_HOLD = "Check-ins are on hold until {name} starts Tandem again."

ROUND_HEADER = "Check-in \u00b7 {dimension}"
ROUND_FOOTER = "Your answer stays private until you've both answered. Open until {until}."
SCALE_HINT = "1 = {low} \u00b7 5 = {high}"
OPEN_HINT = "Reply with a message (up to 2,000 characters)."
BTN_SKIP = "Keep this private"
BTN_WRITE = "Write my answer"
REMINDER_HEADER = "A gentle nudge: this check-in is still open."
ANSWER_SAVED = "Saved. Your answer: {answer}.\nYou can change it until {partner} answers too."
ANSWER_SAVED_SKIP = "Saved: you passed on this one. You can still answer until {partner} does too."
ANSWER_WAITING = (
    "{name} has answered the check-in. When you answer too, you'll both see both answers."
)
ANSWER_TOAST = "Saved"
PASSED = "passed"
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
NOTHING_WAITING = "I'm not waiting for a message from you right now. /help shows what I can do."
NON_TEXT_IDLE = "I can only read text messages. /help shows what I can do."
CANCELLED = "Okay, stopped. Nothing was changed."
CANCELLED_ANSWER = "Okay. When you're ready, tap \u201cWrite my answer\u201d on the question."
NOTHING_TO_CANCEL = "There's nothing to cancel right now."

ROUND_REVEALED = "This check-in has already been revealed."
ROUND_CLOSED = "This check-in has closed, so it can't be answered any more."
BUTTON_STALE = "This button no longer works."
BUTTON_NOT_YOURS = "This button isn't for you."

REVEAL_HEADER = "You've both answered. Here's your check-in:"
REVEAL_YOU = "You"
EXERCISE_INTRO = (
    "Your answers pulled apart on this one ({dimension}). That's worth knowing, not a problem. "
    "Something to try together ({kind}, about {minutes} minutes):"
)
EXERCISE_WHY = "Why it helps: {why}"

EXPIRED_ANSWERED = (
    "The check-in that opened {opened} closed before you both answered. "
    "Your answer stays private and will never be shown."
)

PARTNER_INACTIVE = (
    "{name} has stopped Tandem (the bot can't reach them), so your check-ins are on hold. "
    "They continue when {name} starts Tandem again."
)

GROUP_ONLY_PRIVATE = "I work in private chats only. Talk to me here: {link}"
UNKNOWN_COMMAND = "I don't know that command. /help lists what I can do."
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."
