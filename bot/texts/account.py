"""/delete, a partner who blocks the bot (their partner is told), and coming back after a
break.

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

# The last sentence is there for someone planning a quiet exit (probe of 2026-12-03): the
# notice never says who or how, but the shared history going is visible to the partner.
DELETE_CONFIRM = (
    "Delete everything Tandem stores about you? This ends your pair (if any) and removes your "
    "answers, invites and settings. It can't be undone. Your partner is told only that the "
    "pair ended, not by whom or how, though they will notice that your shared check-ins are "
    "gone from their /history."
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
