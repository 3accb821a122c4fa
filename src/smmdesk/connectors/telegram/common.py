"""What the Telegram modules share: which Bot API calls are safe to repeat."""

from __future__ import annotations

# Safe to repeat, so the HTTP client may retry them, and a 5xx or a timeout means "try
# again", never "the post may exist": reads (getUpdates returns the same updates until a
# higher offset confirms them), and setting or removing the webhook (the last call wins).
_READS = frozenset({"getMe", "getChat", "getChatMember", "getChatMemberCount", "getUpdates",
                    "getWebhookInfo", "setWebhook", "deleteWebhook"})
# Deleting twice does no harm (the second answer is "message to delete not found").
_REPEATABLE = _READS | {"deleteMessage", "deleteMessages"}
