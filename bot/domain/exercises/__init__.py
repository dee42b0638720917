"""Exercises after a reveal: what the answers show (findings), the offer both partners pick
from privately, reminders, and the follow-up (one module each)."""
