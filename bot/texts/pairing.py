"""Invites, accepting or declining one, forming a pair and ending it (/unpair).

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

INVITE_CREATED = (
    "Here is your invite link. Send it to your partner; it works once and expires in 48 hours:\n\n"
    "{link}\n\nWhen they open it and accept, I'll tell you both."
)
INVITE_REPLACED = "Your earlier invite link no longer works: only this one does."
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
INVITE_ALREADY_ACCEPTED = "Already done: you're paired."
PAIRED = (
    "You're now paired with {partner}.\n\n"
    "Check-ins come {schedule}. Next one: {next}.\n"
    "/settings changes that; /checkin starts one right now."
)
PAIRED_TOAST = "Paired"
# The pair's schedule follows the inviter's timezone: until it is known, nothing is scheduled
# (issue 12: never a silent UTC).
PAIRED_WAITING_YOU = (
    "You're now paired with {partner}.\n\n"
    "Your check-ins will follow your timezone, so they start once you tell me which one you're "
    "in. /checkin starts one right now."
)
PAIRED_WAITING_PARTNER = (
    "You're now paired with {partner}.\n\n"
    "Your check-ins will follow {partner}'s timezone, so they start once {partner} has told me "
    "which one they're in. /checkin starts one right now."
)
ASK_TIMEZONE_INVITER = (
    "Which timezone are you in? Your check-ins with {partner} follow it, so they start once I "
    "know. Tap one below, or type a city or zone name."
)
ASK_TIMEZONE_BEFORE_CHECKIN = (
    "Your first check-in with {partner} comes soon. Which timezone are you in? Then every time "
    "I show is your local time. Tap one below, or type a city or zone name."
)
SCHEDULE_STARTED_PARTNER = (
    "{partner} set their timezone, so your check-ins are scheduled: {schedule}. Next one: {next}."
)
SCHEDULE_STARTED_YOU = "Your check-ins with {partner} are scheduled: {schedule}. Next one: {next}."

UNPAIR_CONFIRM = (
    "End your pair with {partner}? Open check-ins close without showing any answer. "
    "Revealed check-ins stay as they were."
)
UNPAIR_YES = "Yes, end it"
UNPAIR_YES_TAKE_BACK = "End it and remove recent answers from both chats"
TAKEN_BACK = (
    "Tandem's messages showing your answers from the last 48 hours are being removed from both "
    "chats. Older ones stay: Telegram lets a bot remove its messages only within 48 hours."
)
TAKEN_BACK_HISTORY = (
    "Your revealed check-ins stay readable to you both in /history (as an earlier pair) until "
    "retention removes them or one of you uses /delete, which removes yours for good."
)
UNPAIR_NO = "No, keep it"
UNPAIR_DONE = (
    "Your pair with {partner} has ended. Nothing unrevealed was shared. /pair starts a new one."
)
# What a partner hears when the pair ends, whoever ended it and however (/unpair, /delete):
# no name, no command (DESIGN.md, privacy rule 8).
PAIR_ENDED_NOTICE = (
    "Your pair on Tandem has ended. Nothing unrevealed was shared. /pair starts a new one."
)
