"""Every user-facing sentence of the bot, in English: the source of the message catalog.

Each UPPER_CASE name below is a gettext message id (or a tuple/dict of them). Reading one
(``texts.WELCOME``) returns it translated into the language in force (see
:func:`bot.i18n.speaking`), so a second language is a ``.po`` file, not a code change.
Texts are plain: they are sent without a parse mode, so user text is never markup.
Placeholders in braces are filled with ``str.format`` after translation; translations must keep
them. Names ending in ``_N`` are (singular, plural) pairs read with :func:`count`. Content texts (questions, exercises) live in ``content/`` and go through the same catalog.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import gettext, ngettext

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Begin, or come back after a break"),
    ("pair", "Invite your partner"),
    ("checkin", "Start a check-in now"),
    ("weekly", "A weekly deeper check-in of three questions"),
    ("focus", "Choose topics to come up more often"),
    ("history", "Your revealed check-ins"),
    ("insights", "A chart of the last 12 weeks"),
    ("settings", "Schedule, time and timezone"),
    ("frequency", "Daily, weekdays, weekly or off"),
    ("time", "Set the check-in time, e.g. /time 20:00"),
    ("timezone", "Set your timezone, e.g. /timezone Berlin"),
    ("pause", "Pause check-ins"),
    ("resume", "Resume check-ins"),
    ("cancel", "Stop what you are typing"),
    ("unpair", "End the pair"),
    ("delete", "Delete everything Tandem stores about you"),
    ("cohort", "The program you're taking part in"),
    ("leave_cohort", "Leave the program"),
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
PAIR_ENDED_MEANWHILE = (
    "While you were away, {name} ended your pair on Tandem. Nothing unrevealed was shared. "
    "/pair starts a new one."
)
PAIR_ENDED_MEANWHILE_DELETED = (
    "While you were away, your partner left Tandem and your pair ended. Nothing unrevealed was "
    "shared. /pair starts a new one."
)

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
NIGHT_WARNING = (
    "\n\nHeads-up: that's {local} for {who}, in the night-time quiet hours (22:00\u201308:00)."
)
NIGHT_YOU = "you"
STATUS_ACTIVE = "active"
STATUS_PAUSED = "paused (/resume to continue)"
STATUS_OFF = "off"
STATUS_WEEKLY_ONLY = "weekly check-in only"
STATUS_ON_HOLD = "on hold until {name} starts Tandem again"
NEXT_NONE = "none scheduled"
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
SCHEDULE_OFF_WEEKLY = "only as your weekly check-in (/weekly), and when one of you sends /checkin"

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

# ---------------------------------------------------------------- content and insight (issue 3)

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

FOLLOWUP_HEADER = "Follow-up"
FOLLOWUP_INTRO = "You recently settled on \u201c{title}\u201d together."
FOLLOWUP_ABOUT = "About \u201c{title}\u201d:"
FOLLOWUP_QUESTION = (
    "How did it go for you, or if you haven't done it yet, how do you feel about it now?"
)
FOLLOWUP_LOW = "It didn't help us"
FOLLOWUP_HIGH = "It helped a lot"

OFFER_MISMATCH = "Your answers on {dimension} pulled apart. That's worth knowing, not a problem."
OFFER_REPEATED = (
    "{dimension} has come up as a difference more than once lately. Here are some deeper "
    "exercises for it."
)
OFFER_BOTH_LOW = (
    "You agree on {dimension}, and you both answered low. That's something to look at "
    "together, side by side."
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
REMIND_OFF_YOU = "Okay, no reminder: the one that was set is off."
REMIND_OFF_PARTNER = "{name} turned off the reminder for your exercise."
REMIND_SET_YOU = "Reminder set: {when}. I'll remind you both."
REMIND_SET_PARTNER = "{name} set a reminder for \u201c{title}\u201d: {when}."
REMIND_NONE = "Okay, no reminder."
OFFER_NOT_THIS_TIME_YOU = "Okay, not this time. If it matters, it will come up again."
OFFER_ONE_NOT_NOW = (
    "Your picks are in.\nYou: {mine}\n{partner}: {theirs}\n\n"
    "One of you would rather not right now. Do it anyway, or leave it for another time? "
    "Either of you can settle it with a button below."
)
REMIND_DUE = "Reminder: you planned to do \u201c{title}\u201d together now."
ENCOURAGE = (
    "Your answers on {dimension} are closer than last time. Whatever you two have been "
    "doing, it seems to help."
)

WEEKLY_STATUS_ON = "Your weekly check-in: every {day} at {time} ({zone}). Next: {next}."
WEEKLY_STATUS_OFF = (
    "The weekly check-in is three deeper questions (needs, boundaries, how you two are doing), "
    "revealed side by side once you've both answered all three. It can come alongside your daily "
    "check-ins or instead of them (/frequency off). Pick a day:"
)
WEEKLY_CHANGE = "Pick another day, or turn it off:"
WEEKLY_SET_YOU = "Done: your weekly check-in comes every {day} at {time} ({zone}). Next: {next}."
WEEKLY_SET_PARTNER = (
    "{name} set up a weekly check-in: every {day} at {time} ({zone}). Next: {next}."
)
WEEKLY_OFF_YOU = "The weekly check-in is off."
WEEKLY_OFF_PARTNER = "{name} turned the weekly check-in off."
WEEKLY_ALREADY_OFF = "The weekly check-in is already off."
WEEKLY_UNCHANGED = "That's already your weekly check-in. /weekly shows it."
WEEKLY_UNKNOWN = (
    "Try /weekly sunday, /weekly sun 10:00 or /weekly off. Without a time it uses your "
    "check-in time."
)
SCHEDULE_WEEKLY_DEEP = "Weekly deeper check-in: {schedule}"

FOCUS_STATUS = (
    "Focus: {focus}.\nTopics in focus come up about three times as often; every topic still "
    "comes up, and no question repeats until you've had them all. Tap to change (up to {max})."
)
FOCUS_NONE = "none (all topics equally)"
FOCUS_SET_YOU = "Focus set: {focus}."
FOCUS_SET_PARTNER = "{name} changed your focus: {focus}."
FOCUS_CLEARED_YOU = "Focus cleared: all topics come up equally."
FOCUS_CLEARED_PARTNER = "{name} cleared your focus: all topics come up equally."
FOCUS_UNKNOWN = "I don't know the topic \u201c{word}\u201d. The topics are: {topics}."
FOCUS_TOO_MANY = "Up to {max} topics can be in focus at once."
BTN_CLEAR = "Clear"

HISTORY_EMPTY = "No revealed check-ins yet. Once you've both answered one, it shows up here."
HISTORY_HEADER = "Your check-ins, newest first ({first}\u2013{last} of {total}):"
HISTORY_ROUND = "{when} \u00b7 {kind}"
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


# ---------------------------------------------------------------- facilitators and cohorts (issue 4)

FACILITATOR_COMMANDS: tuple[tuple[str, str], ...] = (
    ("cohort_new", "Start a cohort for a program"),
    ("cohorts", "Your cohorts: status, broadcast, export, pause, end"),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("facilitator_invite", "A single-use link that makes someone a facilitator"),
    ("facilitators", "The facilitators, with buttons to remove one"),
)
HELP_FACILITATOR = "For facilitators and admins:\n{commands}"
ADMIN_ONLY = "Only Tandem's admins can do that."
TAP_A_BUTTON = "Tap one of the buttons above to go on, or /cancel to stop."
FACILITATOR_ONLY = (
    "That's a facilitator command. Facilitators run programs for groups of couples; an admin "
    "can invite you."
)
FACILITATOR_INVITE_CREATED = (
    "A facilitator invite: send it to the person who should run cohorts. It works once and "
    "expires in 7 days.\n\n{link}"
)
FACILITATOR_WELCOME = (
    "You're now a Tandem facilitator. /cohort_new starts a cohort for a program; /cohorts lists "
    "yours. You'll see who takes part and figures pooled over at least {k} couples, never an "
    "answer."
)
FACILITATOR_ALREADY = "You're already a facilitator. /cohorts lists your cohorts."
FACILITATOR_JOINED_ADMIN = "{name} accepted your invite and is now a facilitator."
FACILITATORS_NONE = "No facilitators yet. /facilitator_invite makes an invite link."
FACILITATORS_LIST = "Facilitators (tap to remove one):"
BTN_REVOKE = "Remove {name}"
FACILITATOR_REVOKED = "{name} is no longer a facilitator."
FACILITATOR_REVOKED_YOU = "Your facilitator access to Tandem was removed by an admin."
FACILITATOR_NOT_FOUND = "That person isn't a facilitator (any more)."

COHORT_ASK_NAME = (
    "Let's set up a cohort. What's its name? (for example: Spring group, Tuesdays) /cancel stops."
)
COHORT_NAME_BAD = "A name of 2 to 80 characters, please."
COHORT_ASK_PROGRAM = "Which program will the cohort follow?"
COHORT_NO_PROGRAMS = "There are no programs installed yet (content/programs/)."
COHORT_ASK_START = "When does week 1 start? Send a date like 2026-12-07, or tap one below."
COHORT_START_BAD = "I couldn't read that date. Send it like 2026-12-07 (year-month-day)."
COHORT_START_PAST = "That date has passed. Pick today or a later date."
COHORT_ASK_DAYS = "On which days do the couples get their check-in? Tap the days, then Done."
COHORT_DAYS_NONE = "Pick at least one day."
BTN_DONE = "Done"
COHORT_ASK_TZ = "Which timezone does the cohort run on? Tap one, or type a city or zone name."
COHORT_ASK_SESSION = (
    "Is there a live group session? Tap its weekday (I'll send a prep question the day "
    "before), or No session."
)
BTN_NO_SESSION = "No session"
COHORT_ASK_SESSION_TIME = "At what time is the session? (like 18:30)"
COHORT_CREATED = (
    "Cohort \u201c{name}\u201d is set up: {program}, starting {start}, check-ins on {days} "
    "({zone}; each couple keeps its own time of day).\n\nEnrolment link for the couples (each partner opens it "
    "themselves; it works until the cohort ends):\n\n{link}"
)
COHORT_DRAFT_GONE = "That set-up has expired. /cohort_new starts again."
COHORTS_NONE = "You have no cohorts yet. /cohort_new starts one."
COHORTS_LIST = "Your cohorts:"
COHORT_LINE = "{name} \u00b7 {program} \u00b7 {state}"
COHORT_STATE = {"active": "running", "paused": "paused", "ended": "ended"}
BTN_STATUS = "Status"
BTN_PAUSE_COHORT = "Pause"
BTN_RESUME_COHORT = "Resume"
BTN_END_COHORT = "End"
COHORT_NOT_YOURS = "That isn't one of your cohorts."
COHORT_PAUSED = "\u201c{name}\u201d is paused: its enrolment link doesn't work until you resume."
COHORT_RESUMED = "\u201c{name}\u201d is running again."
COHORT_END_CONFIRM = (
    "End \u201c{name}\u201d now? Couples return to their own schedule and the enrolment "
    "link stops working. This can't be undone."
)
BTN_END_YES = "Yes, end it"
COHORT_ENDED = "\u201c{name}\u201d has ended."
COHORT_ENDED_COUPLE = (
    "The program \u201c{program}\u201d has ended. Thank you for taking part. Your own "
    "check-in schedule continues as before."
)
COHORT_ALREADY_ENDED = "That cohort has already ended."
COHORT_STATUS = (
    "{name} \u00b7 {program}\n"
    "Week: {week}\n"
    "Couples enrolled: {enrolled}\n"
    "Waiting for a partner to accept: {waiting}\n"
    "Invited partners who haven't started Tandem yet: {not_started}\n"
    "Couples who left: {left}\n"
    "Couples who completed the program: {completed}"
)
STATUS_THIS_WEEK = "This week: {revealed} of {asked} check-ins answered by both partners."
STATUS_PER_PAIR = "Per couple, this week (answered by both / asked):"
STATUS_PAIR_LINE = "\u2022 {names}: {revealed}/{asked}"
STATUS_FLAG = "\u2691 no check-in answered by both in the last two weeks: maybe reach out"
STATUS_AGGREGATES_HIDDEN = (
    "Figures from answers appear for a finished week once at least {k} couples (not counting "
    "your own) have answered the same topic, so no couple can be singled out."
)
STATUS_AGGREGATES = "Week {week}: differences by topic (only topics at least {k} couples answered):"
STATUS_TOPIC_LINE = "\u2022 {topic}: {n} across {pairs} couples"
STATUS_CHECK = "Interdependence check, first week \u2192 last week (averages, 1\u20135):"
STATUS_CHECK_LINE = "\u2022 {question}: {before} \u2192 {after}"
BTN_EXPORT = "Export CSV"
BTN_BROADCAST = "Broadcast"
BTN_COFACILITATOR = "Add a co-facilitator"
COFACILITATOR_INVITE = (
    "Send this link to a fellow facilitator to run \u201c{name}\u201d with you. It works once, "
    "for someone who is already a facilitator, and expires in 7 days:\n\n{link}"
)
COFACILITATOR_NOT_FACILITATOR = (
    "This link is for facilitators. Ask a Tandem admin to make you one, then open it again."
)
COFACILITATOR_JOINED = "You now co-run \u201c{name}\u201d. /cohorts lists it."
COFACILITATOR_JOINED_OWNER = "{name} now co-runs \u201c{cohort}\u201d with you."
COFACILITATOR_ALREADY = "You already run \u201c{name}\u201d."
COFACILITATOR_COUPLES = (
    "{name} now also runs \u201c{program}\u201d. They see the same as the other facilitators: "
    "whether you take part and figures pooled over many couples, never your answers. "
    "/leave_cohort if that doesn't suit you."
)
FACILITATOR_LINK_USED = "This link has already been used or has expired. Ask for a fresh one."
BROADCAST_ASK = (
    "Write the message for everyone in \u201c{name}\u201d. It goes out as plain text; you'll "
    "see a preview first. /cancel stops."
)
BROADCAST_TOO_LONG = "That's {n} characters; a broadcast can be up to {max}. Please shorten it."
BROADCAST_PREVIEW = "Preview: this goes to {n} people in \u201c{name}\u201d:\n\n{text}"
BTN_SEND = "Send"
BTN_CANCEL = "Cancel"
BROADCAST_CANCELLED = "Okay, not sent."
BROADCAST_BUSY = (
    "A broadcast to this cohort is still being delivered. Try again once its report has come."
)
BROADCAST_DONE_ALREADY = "This broadcast was already sent or cancelled."
BROADCAST_SENDING = "Sending to {n} people. A report follows when it's done."
BROADCAST_REPORT = (
    "Broadcast to \u201c{name}\u201d: delivered: {delivered} \u00b7 blocked Tandem: "
    "{blocked} \u00b7 invited partners who haven't started Tandem: {not_started}."
)
BROADCAST_EMPTY = "That message looks empty. Write the broadcast, or /cancel."
EXPORT_CAPTION = "{name}: participation and pooled figures (CSV)."
COHORT_WEEK_BEFORE = "starts {start}"
COHORT_WEEK_NOW = "{n} of {weeks} ({theme})"
COHORT_WEEK_DONE = "finished"

ENROL_PAUSED = "Enrolment for this program is paused for now. Try again later."
ENROL_ENDED = "This program has ended, so the link no longer works."
ENROL_OTHER_COHORT = (
    "You're already taking part in \u201c{program}\u201d. /leave_cohort first to join another."
)
ENROL_CONSENT = (
    "{facilitators} invite you to the program \u201c{program}\u201d: {description}\n\n"
    "What your facilitators will see: whether you and your partner take part (check-ins "
    "answered each week), and figures pooled over at least {k} couples.\n"
    "What they will never see: your answers, or anything about one couple's answers.\n\n"
    "You can leave any time with /leave_cohort. Join?"
)
BTN_JOIN = "Join"
BTN_NOT_JOIN = "No, thanks"
ENROL_DECLINED = "Okay, you haven't joined. Nothing was shared."
ENROL_DECLINED_PARTNER = "{name} decided not to join \u201c{program}\u201d."
ENROL_WAITING = (
    "Thanks. You'll join together once {partner} accepts too; I've sent them the invitation."
)
ENROL_PARTNER_ASKED = "{name} would like the two of you to join a program."
ENROL_UNPAIRED = (
    "Thanks. The program is for couples: send this invite to your partner. When they open it "
    "and accept, they'll be asked to join the program too (it works once and expires in 48 "
    "hours):\n\n{link}"
)
ENROL_JOINED = (
    "You're both in: \u201c{program}\u201d starts {start}. Your check-ins follow the "
    "program's questions on {days}, at your usual time. /cohort shows the current week."
)
ENROL_JOINED_WEEK = "You're both in \u201c{program}\u201d. /cohort shows the current week."
ENROL_NOT_OPENED = "Open the enrolment link you were sent to join a program."
ENROL_ALREADY = "You're already taking part in \u201c{program}\u201d."
COHORT_NONE_YOU = "You're not taking part in a program. A facilitator can send you a link."
COHORT_YOU = "\u201c{program}\u201d, run by {facilitators}.\nWeek: {week}\n{message}"
COHORT_WEEK_MESSAGE = "Week {n} of {weeks}: {theme}\n\n{message}"
COHORT_WEEK_EXERCISE = "This week's exercise, for whenever suits you both:"
COHORT_PREP = "Before tomorrow's group session, something to think about on your own:\n\n{question}"
LEAVE_CONFIRM = (
    "Leave \u201c{program}\u201d? You'll go back to your own schedule; your facilitator "
    "sees only that a couple left."
)
BTN_LEAVE_YES = "Yes, leave"
LEAVE_DONE = "You've left \u201c{program}\u201d; your own schedule continues."
LEAVE_PARTNER = (
    "{name} took the two of you out of \u201c{program}\u201d; your own schedule continues."
)

# ---------------------------------------------------------------- translation at access time

_SOURCE: dict[str, Any] = {
    _name: _value for _name, _value in list(globals().items()) if _name.isupper()
}
for _name in _SOURCE:
    del globals()[_name]


def _translate(value: Any) -> Any:
    if isinstance(value, str):
        return gettext(value)
    if isinstance(value, dict):
        return {key: _translate(item) for key, item in value.items()}
    return tuple(_translate(item) for item in value)


def source(name: str) -> str:
    """The untranslated English text ``name`` (a message id), for data that is translated
    later, when it is shown. Raises KeyError for an unknown name."""
    value = _SOURCE[name]
    assert isinstance(value, str)
    return value


def plural_names() -> list[str]:
    """Names of the texts that have a singular and a plural form (they end in ``_N``)."""
    return [name for name in _SOURCE if name.endswith("_N")]


def count(name: str, n: int, **fields: object) -> str:
    """The text ``name`` (a ``_N`` pair) for ``n`` in the right form, with ``{n}`` and the
    other ``fields`` filled in."""
    singular, plural = _SOURCE[name]
    return str(ngettext(singular, plural, n)).format(n=n, **fields)


def source_of(name: str) -> Any:
    """The untranslated value of ``name`` (a text, or a tuple/dict of texts)."""
    return _SOURCE[name]


def __getattr__(name: str) -> Any:
    """``texts.NAME``: the source text translated into the language in force."""
    try:
        value = _SOURCE[name]
    except KeyError:
        raise AttributeError(f"bot.texts has no text {name!r}") from None
    if name.endswith("COMMANDS"):  # command names stay as they are; descriptions are texts
        return tuple((command, gettext(description)) for command, description in value)
    return _translate(value)
