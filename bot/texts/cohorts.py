"""Programs for groups of couples: facilitators, setting up a cohort, its status and pooled
figures, co-facilitators, broadcasts, enrolment and leaving.

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

ADMIN_ONLY = "Only Tandem's admins can do that."

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

# Setting up a cohort (/cohort_new).
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
    "Cohort \u201c{name}\u201d is set up: {program}, starting {start}. Check-in days: {days} "
    "({zone}; each couple keeps its own time of day).\n\nEnrolment link for the couples (each partner opens it "
    "themselves; it works until the cohort ends):\n\n{link}"
)
COHORT_DRAFT_GONE = "That set-up has expired. /cohort_new starts again."

# /cohorts and the actions on one cohort.
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

# A cohort's status page and its pooled figures.
COHORT_STATUS = (
    "{name} \u00b7 {program}\n"
    "Week: {week}\n"
    "Couples enrolled: {enrolled}\n"
    "Waiting for a partner to accept: {waiting}\n"
    "Invited partners who haven't started Tandem yet: {not_started}\n"
    "Couples who left: {left}\n"
    "Couples who completed the program: {completed}"
)
STATUS_THIS_WEEK_N = (
    "This week: {revealed} of {n} check-in answered by both partners.",
    "This week: {revealed} of {n} check-ins answered by both partners.",
)
STATUS_PER_PAIR = "Per couple, this week (answered by both / asked):"
STATUS_PAIR_LINE = "\u2022 {names}: {revealed}/{asked}"
STATUS_FLAG = "\u2691 no check-in answered by both in the last two weeks: maybe reach out"
STATUS_AGGREGATES_HIDDEN = (
    "Figures from answers appear for a finished week once at least {k} couples (not counting "
    "your own) that were enrolled before the week began have answered check-ins on the same "
    "topic, so no couple can be singled out."
)
STATUS_AGGREGATES = (
    "Week {week}: couples with a difference, by topic (only topics at least {k} couples answered):"
)
STATUS_TOPIC_LINE = "\u2022 {topic}: about {n}"
STATUS_TOPIC_WITHHELD = "\u2022 {topic}: withheld"
STATUS_CHECK = (
    "Interdependence check, first week \u2192 last week (averages, 1\u20135, where 5 is always "
    "the end with more of the question's topic):"
)
STATUS_CHECK_LINE = "\u2022 {question}: {before} \u2192 {after}"
STATUS_CHECK_TURNED = "\u2022 {question} (scale turned round): {before} \u2192 {after}"
STATUS_CHECK_WITHHELD = "\u2022 {question}: withheld"
STATUS_NOISE = (
    "These figures are approximate on purpose: each carries random noise, drawn once when "
    "its week ended, so that no couple can be singled out, not even by comparing with "
    "couples you know (privacy budget for this program: \u03b5 = {budget}). \u201cWithheld\u201d: "
    "too few couples answered."
)
BTN_EXPORT = "Export CSV"
# The export's label for a couple no longer taking part, numbered: never their names, so
# that how it ended (an unpair, a /delete, leaving) does not show.
CSV_COUPLE_LEFT = "couple who left {n}"
BTN_BROADCAST = "Broadcast"
BTN_COFACILITATOR = "Add a co-facilitator"
EXPORT_CAPTION = "{name}: participation and pooled figures (CSV)."
COHORT_WEEK_BEFORE = "starts {start}"
COHORT_WEEK_NOW = "{n} of {weeks} ({theme})"
COHORT_WEEK_DONE = "finished"

# Co-facilitators.
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

# Broadcasts to a cohort.
BROADCAST_ASK = (
    "Write the message for everyone in \u201c{name}\u201d. It goes out as plain text; you'll "
    "see a preview first. /cancel stops."
)
BROADCAST_TOO_LONG = "That's {n} characters; a broadcast can be up to {max}. Please shorten it."
BROADCAST_PREVIEW_N = (
    "Preview: this goes to {n} person in \u201c{name}\u201d:\n\n{text}",
    "Preview: this goes to {n} people in \u201c{name}\u201d:\n\n{text}",
)
BTN_SEND = "Send"
BTN_CANCEL = "Cancel"
BROADCAST_CANCELLED = "Okay, not sent."
BROADCAST_BUSY = (
    "A broadcast to this cohort is still being delivered. Try again once its report has come."
)
BROADCAST_DONE_ALREADY = "This broadcast was already sent or cancelled."
BROADCAST_SENDING_N = (
    "Sending to {n} person. A report follows when it's done.",
    "Sending to {n} people. A report follows when it's done.",
)
BROADCAST_REPORT = (
    "Broadcast to \u201c{name}\u201d: delivered: {delivered} \u00b7 blocked Tandem: "
    "{blocked} \u00b7 invited partners who haven't started Tandem: {not_started}."
)
BROADCAST_EMPTY = "That message looks empty. Write the broadcast, or /cancel."

# Couples: enrolment, consent, the program's weeks and leaving.
ENROL_PAUSED = "Enrolment for this program is paused for now. Try again later."
ENROL_ENDED = "This program has ended, so the link no longer works."
ENROL_OTHER_COHORT = (
    "You're already taking part in \u201c{program}\u201d. /leave_cohort first to join another."
)
# The invitation's first sentence: by the number of facilitators named (issue 12: "Fay
# invites you", "Fay & Gil invite you"), or with nobody named.
ENROL_INVITE_N = (
    "{facilitators} invites you to the program \u201c{program}\u201d: {description}",
    "{facilitators} invite you to the program \u201c{program}\u201d: {description}",
)
ENROL_INVITE_ANON = "You're invited to the program \u201c{program}\u201d: {description}"
ENROL_CONSENT = (
    "What your facilitators will see: whether you and your partner take part (check-ins "
    "answered each week), and figures pooled over at least {k} couples.\n"
    "What they will never see: your answers, or anything about one couple's answers.\n\n"
    "You can leave any time with /leave_cohort. Join?"
)
BTN_JOIN = "Join"
BTN_NOT_JOIN = "No, thanks"
ENROL_DECLINED = "Okay, you haven't joined. Nothing was shared."
# Only to a partner who had accepted (enrolment.consent).
ENROL_DECLINED_PARTNER = (
    "{name} would rather not join \u201c{program}\u201d, so neither of you has joined. "
    "Nothing was shared."
)
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
    "program's questions at your usual time. Check-in days: {days}. /cohort shows the current "
    "week."
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
LEAVE_PARTNER = "Your pair is no longer in \u201c{program}\u201d; your own schedule continues."
