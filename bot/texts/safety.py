"""/safety (a private page on getting support and leaving quietly) and /deeper (each partner's
private yes or no to sensitive questions).

A data module of the catalog: read these through :mod:`bot.texts` (``texts.NAME``), which
translates them; nothing imports this module directly.
"""

SAFETY_PAGE = (
    "Support, just for you\n\n"
    "This page is private. Opening it changes nothing in Tandem, and your partner is not "
    "told. If you are in danger right now, call your local emergency number.\n\n"
    "When to reach out: if you are afraid of your partner or of how they might react; if you "
    "have been hurt, threatened or pushed into things; if your phone, money or whereabouts are "
    "checked in a way that feels like control; or simply if something feels wrong and you "
    "would like to talk it through. You don't need to be sure, or to have a word for it, to "
    "talk to someone trained to listen.\n\n"
    "Tandem never needs an answer from you. \u201cKeep this private\u201d works on every "
    "question, a check-in you leave unanswered just closes, and /deeper lets you keep the "
    "more sensitive questions away without anyone learning your choice.\n\n"
    "Leaving quietly: /pause stops check-ins for a while, /unpair ends the pair and /delete "
    "removes everything Tandem stores about you. Your partner gets a short notice when "
    "check-ins pause or the pair ends, so choose a moment that is safe for you. You can also "
    "simply stop answering.\n\n"
    "{resources}\n\n"
    "The button below removes this page and your /safety message from this chat (Telegram "
    "allows it for 48 hours). Notifications already shown on a device are not removed."
)
SAFETY_WHERE = "In {country}:"
SAFETY_NOWHERE = (
    "Support where you live: ask the directory below, or your doctor, for a local service."
)
SAFETY_CALL = "call {number}"
SAFETY_TEXT = "text {number}"
SAFETY_ANYWHERE = "Anywhere: {name}, {web}, lists free and confidential helplines by country."
SAFETY_EMERGENCY = "In an emergency: your local emergency number."
BTN_SAFETY_REMOVE = "Remove this from my chat"
SAFETY_REMOVED = "Removed from this chat."
SAFETY_REMOVE_REFUSED = "That button doesn't belong to this page, so nothing was removed."
SAFETY_REMOVE_TOO_OLD = (
    "Telegram lets me remove messages only for 48 hours. Press and hold a message to delete "
    "it yourself."
)

DEEPER_ABOUT = (
    "Deeper questions\n\n"
    "A few of Tandem's questions touch on things that can weigh more: privacy and phones, "
    "money, saying no, and whose voice counts in decisions. Talking about them can bring you "
    "closer, and it can also feel like pressure, so they are left out unless you both want "
    "them.\n\n"
    "They come only if you and your partner each say yes here, and never in your first four "
    "weeks as a pair. Focus never brings them sooner, and \u201cKeep this private\u201d "
    "always works on them. If one does come, it is because you both said yes.\n\n"
    "Your choice is private: your partner is never told what you chose, yes or no. You can "
    "change it at any time; it applies from the next check-in.\n\n"
    "Your choice: {choice}"
)
DEEPER_CHOICE_YES = "yes, I'm open to them"
DEEPER_CHOICE_NO = "no, leave them out"
BTN_DEEPER_YES = "Yes, I'm open to them"
BTN_DEEPER_NO = "No, leave them out"
DEEPER_SAVED = "Saved. Only you can see this choice."
