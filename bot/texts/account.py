"""/delete, a partner who blocks the bot (their partner is told), and coming back after a
break.

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

DELETE_CONFIRM = (
    "Delete everything Tandem stores about you? This ends your pair (if any) and removes your "
    "answers, invites and settings. It can't be undone."
)
# Added for someone who has or had a pair, planning a quiet exit (probe of 2026-12-03): the
# notice never says who or how, but what goes is visible to the partner.
DELETE_CONFIRM_PARTNER = (
    "Your partner is told only that the pair ended, not by whom or how. They will notice "
    "that your shared check-ins are gone from their /history, and that Tandem's messages "
    "showing your answers from the last 48 hours are gone from their chat."
)
DELETE_YES = "Yes, delete my data"
DELETE_NO = "No, keep it"
DELETE_DONE = "Done: everything Tandem stored about you is deleted. Send /start if you ever want to begin again."

# A partner who blocks the bot, and coming back after a break.
WELCOME_BACK = "Welcome back, {name}."
PAIR_ENDED_MEANWHILE = (
    "While you were away, your pair on Tandem ended. Nothing unrevealed was shared. "
    "/pair starts a new one."
)
