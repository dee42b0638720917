"""Your data is yours: /privacy (what is stored, who sees what, for how long), /export (a file
of your own data) and /retention (how long your pair keeps its check-ins).

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

PRIVACY = (
    "Your data on Tandem, in plain words\n\n"
    "What is stored: your Telegram first name, username and language, your timezone, your "
    "pair and its settings (schedule, focus, life-stage packs, anniversary, trip), each "
    "check-in's questions, your answers, your exercise picks, and "
    "for a program, the cohort you joined. Typed answers are encrypted in the database; answers "
    "on a scale or from a list are stored as they are, so that sums like a streak or a chart "
    "can be computed.\n\n"
    "Who sees what: your partner sees your answer only after you've both answered that "
    "check-in; an answer to a check-in that closed without both answers is never shown to "
    "anyone. Exercise picks are shown once you've both picked. Reveals, /history pages, "
    "/insights, exercise picks and your /export are sent protected: Telegram apps that honour it don't "
    "let them be forwarded or saved, but a screenshot or a camera still works. If you take "
    "part in a program, its facilitators see who takes part and figures pooled from at least "
    "{k} couples, with a little noise added; never an answer.\n\n"
    "For how long: your pair's revealed check-ins are kept until one of you deletes them, or "
    "for the time you choose with /retention (3, 6 or 12 months). After /unpair you both can "
    "still read that pair's check-ins in /history until retention or /delete removes them.\n\n"
    "Export and delete: /export sends you a file with your data. /delete removes everything "
    "Tandem stores about you, including your answers, for good.\n\n"
    "What can't be undone: /delete (and /unpair, if you ask it to) takes Tandem's messages "
    "that show your answers back from both chats, but Telegram lets a bot remove its messages "
    "only for 48 hours. Older ones stay in your partner's chat until they delete them."
)

DATA_EXPORT_NOTHING = (
    "Tandem stores nothing about you, so there's nothing to export. (If you used /delete, "
    "everything was removed then.)"
)
DATA_EXPORT_CAPTION = (
    "Your data on Tandem: your profile, settings, pairs and your answers, and your partner's "
    "answers only for check-ins revealed to you both. Keep it somewhere safe."
)

# /retention: how long a pair keeps its check-ins.
RETENTION_KEPT = {
    "3": "for 3 months",
    "6": "for 6 months",
    "12": "for 12 months",
    "forever": "until one of you deletes them",
}
RETENTION_CHOICES = {"3": "3 months", "6": "6 months", "12": "12 months", "forever": "Forever"}
RETENTION_CURRENT = "\u2713 {choice}"
RETENTION_STATUS = (
    "Your pair keeps its check-ins {kept}. Older ones are removed once a day.\n\n"
    "Either of you can shorten this at once; keeping them longer needs you both to agree."
)
RETENTION_WAITING = "Waiting for agreement: keeping them {kept}."
RETENTION_SAME = "That's already your pair's setting."
RETENTION_SHORTENED = (
    "Done: your pair's check-ins are now kept {kept}. Older ones are removed within a day. "
    "Your partner was told."
)
RETENTION_CHANGED = (
    "Your pair's check-ins are now kept {kept}. Older ones are removed within a day. "
    "/retention shows the choices."
)
RETENTION_ASKED = (
    "Keeping check-ins longer needs you both: your partner was asked. Until they agree, they're "
    "kept {current}."
)
RETENTION_PROPOSAL = (
    "A suggestion for your pair: keep your check-ins {kept} instead of {current}. It changes "
    "only if you agree."
)
RETENTION_AGREE = "Agree"
RETENTION_NOT_NOW = "Keep as it is"
RETENTION_AGREED = "Agreed: your pair's check-ins are now kept {kept}."
RETENTION_DECLINED = "Okay, nothing changed: your check-ins are still kept {current}."
RETENTION_NOT_TAKEN = (
    "The suggestion to keep your check-ins {kept} wasn't taken up; they're still kept {current}."
)
RETENTION_GONE = "This suggestion no longer applies."
