"""An in-process emulation of the Telegram Bot API, at python-telegram-bot's request boundary.

:class:`FakeBotAPI` is a :class:`telegram.request.BaseRequest`: give it to
``ApplicationBuilder().token(DEFAULT_TOKEN).request(fake).get_updates_request(fake)`` and the
real :class:`telegram.ext.Application` talks to it instead of ``api.telegram.org`` — no network.
It answers like Telegram does, with the same JSON bodies and HTTP status codes, refusals
included (text over 4096 UTF-16 code units, callback data over 64 bytes, "message is not
modified", 403 for a user who blocked the bot, 429 with ``retry_after`` on demand), so
python-telegram-bot raises the very exceptions it raises in production. When asked, it also
enforces Telegram's sending limits and injects outages (:mod:`bot.emulator.limits`).

Simulated people are :class:`FakeUser` objects made by :meth:`FakeBotAPI.user`. What they do
(send text, open a deep link, press a button, block the bot, ...) becomes an update dict exactly
as Telegram would send it, delivered to the callable given to :meth:`FakeBotAPI.attach` (or to
a ``via=`` callable per action), or, when there is none, queued for ``getUpdates`` polling.
What each chat shows is kept in :class:`Chat` objects and rendered by
:meth:`FakeBotAPI.transcript`.

Typical use::

    fake = FakeBotAPI(clock=clock.now)
    builder = ApplicationBuilder().token(DEFAULT_TOKEN).request(fake).get_updates_request(fake)
    app = builder.updater(None).build()
    fake.attach(deliver_to(app))
    async with app:
        alice = fake.user(1, "Alice")
        await alice.send("/start")
        await alice.press("Yes")
        print(fake.transcript(1))
"""

from bot.emulator.api import DEFAULT_TOKEN, FakeBotAPI
from bot.emulator.formatting import command_entities, utf16_length
from bot.emulator.model import Button, Chat, ChatEvent, SentMessage
from bot.emulator.users import Deliver, FakeUser, deliver_to

__all__ = [
    "DEFAULT_TOKEN",
    "Button",
    "Chat",
    "ChatEvent",
    "Deliver",
    "FakeBotAPI",
    "FakeUser",
    "SentMessage",
    "command_entities",
    "deliver_to",
    "utf16_length",
]
