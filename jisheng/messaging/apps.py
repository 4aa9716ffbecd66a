from typing import Any

from django.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "jisheng.messaging"
    label = "messaging"
    verbose_name = _("Messages")
    # Queued SMS go out every minute (the scheduler wakes every 30 seconds); sending is idempotent.
    periodic_commands = [("messages-send", 1)]

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        if not getattr(user, "is_authenticated", False):
            return []
        from .models import Message, MessageKind

        latest = (
            Message.objects.filter(kind=MessageKind.STAFF, recipient=user).order_by("-created_at").first()
        )
        if latest is None:
            return []
        return [
            {
                "title": _("Latest notice for you"),
                "value": timezone.localdate(latest.created_at),
                "url": latest.link or "/",
                "note": latest.text,
            }
        ]
