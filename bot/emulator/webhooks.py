"""The webhook methods of the emulated Bot API (a :class:`~bot.emulator.api.FakeBotAPI` mixin):
``setWebhook``, ``getWebhookInfo``, ``deleteWebhook``. The emulator does not post to the URL;
it keeps what was set (:attr:`webhook_url`, :attr:`webhook_secret`,
:attr:`webhook_allowed_updates`) for tests that deliver updates there themselves, and while a
webhook is set getUpdates is refused with 409 Conflict, as Telegram does."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.emulator.errors import _bad_request, _Refusal

_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

#: Telegram's refusal of getUpdates while a webhook is set.
WEBHOOK_ACTIVE = _Refusal(
    409,
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first",
)

#: Telegram's answer to a long poll cut short by another getUpdates on the same token (two
#: pollers): the older request gets it.
TERMINATED_BY_OTHER_POLL = _Refusal(
    409,
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
)


class WebhookMethods:
    """setWebhook / getWebhookInfo / deleteWebhook over the emulator's webhook state."""

    webhook_url: str = ""
    webhook_secret: str | None = None
    webhook_allowed_updates: list[str] | None = None
    pending_updates: list[dict[str, Any]]

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        """setWebhook: keep the URL, the secret token and ``allowed_updates``."""
        url = str(params.get("url") or "")
        if url and not re.match(r"^https?://", url):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        self.webhook_url = url
        self.webhook_secret = None if secret is None else str(secret)
        self.webhook_allowed_updates = None if allowed is None else list(allowed)
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """getWebhookInfo: the URL set (``""``: none) and the updates waiting."""
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending_updates),
        }
        if self.webhook_allowed_updates is not None:
            info["allowed_updates"] = self.webhook_allowed_updates
        return info

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        """deleteWebhook: forget the webhook; drop queued updates if asked to."""
        self.webhook_url = ""
        self.webhook_secret = None
        self.webhook_allowed_updates = None
        if params.get("drop_pending_updates") in (True, "true", "True", 1):
            self.pending_updates.clear()
        return True
