"""Texts of the reactions to a reveal (issue 12): the buttons under each partner's reveal,
the one line the partner gets, the toasts and refusals, and how /history shows them."""

# Keys are the stored reaction names (see bot.domain.reactions); values the button labels.
REACTION_LABELS = {
    "thanks": "❤️ Thank you",
    "talk": "🤔 Let's talk",
    "smile": "🙂",
}
# The one line the partner gets: the reacting partner's name and the reaction's label.
REACTION_NOTICE = "{name}: {reaction}"
REACTION_SENT = "Sent to {name}."
REACTION_ALREADY = "Already sent."
REACTION_ALREADY_OTHER = "You already reacted to this check-in: {reaction}. One reaction each."
REACTION_NOT_YOURS = "This check-in isn't one of yours, so there's nothing to react to."
REACTION_GONE = "That check-in is no longer stored, so reactions to it are closed."
REACTION_PAIR_ENDED = "That pair has ended, so reactions to its check-ins are closed."
# Beside a round in /history: who reacted how ("You ❤️", "Alex 🤔").
HISTORY_REACTION = "{name} {emoji}"
