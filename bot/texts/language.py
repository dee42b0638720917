"""Texts of /language and of the bot's profile (its description and short description, set
in every shipped language at start-up); issue 12."""

LANGUAGE_ASK = (
    "Which language should I write to you in? Now: {current}.\n"
    "Your partner keeps reading Tandem in their own language."
)
LANGUAGE_FROM_TELEGRAM = "{language} (your Telegram setting)"
BTN_LANGUAGE_TELEGRAM = "Use my Telegram setting"
LANGUAGE_SET = "Done: from now on I'll write to you in this language. Send /language to change it."
LANGUAGE_FOLLOWS_TELEGRAM = (
    "Done: I'll follow your Telegram language setting again. Send /language to change it."
)
LANGUAGE_UNKNOWN = (
    "I can't write in that language. Available: {languages}.\nSend /language to pick one."
)

# The bot's profile: the description shows in an empty chat before /start (at most 512
# characters), the short one on the bot's profile page and in shared links (at most 120).
BOT_DESCRIPTION = (
    "Tandem asks you and your partner the same short question on a schedule you choose. "
    "Each answer stays hidden until you've both answered; then you both see both at once. "
    "When your answers pull apart, it suggests a small exercise to do together. "
    "Private by design: nothing is shown to anyone else, and you can leave or delete your "
    "data at any time."
)
BOT_SHORT_DESCRIPTION = (
    "Check-ins for two: the same question, answers revealed once you've both answered."
)
