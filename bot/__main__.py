"""``python -m bot``: run the bot with long polling (same as ``tandem run``)."""

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["run"]))
