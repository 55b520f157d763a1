"""The outbox sender for WhatsApp messages.

Register it in ``core.notifications.services.CHANNEL_SENDERS`` for
``Message.Channel.WHATSAPP``. A WhatsApp Message names its approved template
in ``template`` and carries in ``context``:

- ``parameters``: the template's body values, in order (list of strings; [] if none);
- ``language`` (optional): the template language code, default WHATSAPP_LANGUAGE or "en".

Errors no retry can fix (bad token, unknown template, refused number, a
missing value) raise MessageCancelled so the message is FAILED at once with
the reason; the rest (rate limit, network, WhatsApp down) propagate so the
outbox retries with backoff.
"""

from django.conf import settings

from core.notifications.exceptions import MessageCancelled
from core.notifications.whatsapp.client import WhatsAppClient, WhatsAppError


def send_whatsapp(message, *, client: WhatsAppClient | None = None) -> str:
    """Send one WhatsApp Message row; returns the wamid for ``provider_id``."""
    context = message.context or {}
    parameters = context.get("parameters")
    if not isinstance(parameters, list) or not all(isinstance(value, str | int) for value in parameters):
        raise MessageCancelled(
            f"The WhatsApp message “{message.template}” has no list of template values (context “parameters”)."
        )
    language = context.get("language") or getattr(settings, "WHATSAPP_LANGUAGE", "en")
    client = client or WhatsAppClient.from_settings()
    try:
        return client.send_template(message.recipient, message.template, language, [str(v) for v in parameters])
    except WhatsAppError as exc:
        if not exc.retryable:
            raise MessageCancelled(str(exc)) from exc
        raise
