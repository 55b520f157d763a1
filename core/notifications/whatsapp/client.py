"""WhatsApp Cloud API client: template messages over plain HTTPS (urllib).

Every failure comes out as ``WhatsAppError`` with a message an admin can act
on and a ``retryable`` flag: the outbox retries rate limits, network errors
and WhatsApp's own outages, and fails at once on a bad token, a missing
template or a number WhatsApp will not accept. The access token is only ever
put in the Authorization header: never in a log line or an error message.
"""

import json
import logging
import re
from dataclasses import dataclass
from http.client import HTTPException
from urllib.error import HTTPError
from urllib.parse import quote, urlsplit
from urllib.request import ProxyHandler, Request, build_opener

from django.conf import settings
from django.core.exceptions import ValidationError

from core.notifications.whatsapp.phone import to_wa_id

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
DEFAULT_TIMEOUT = 15.0
# A reply bigger than this is not a Cloud API reply; do not read it all.
MAX_REPLY_BYTES = 1024 * 1024
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# code -> (message for a person, retryable). Codes from Meta's error reference.
_ERRORS: dict[int, tuple[str, bool]] = {
    190: (
        "WhatsApp refused the access token (WHATSAPP_TOKEN): it is wrong or has expired. "
        "Create a new token in Meta Business settings.",
        False,
    ),
    131030: (
        "WhatsApp does not allow messages to this number yet: it is not on the allowed list of the gym's "
        "WhatsApp test number. Add it in Meta's developer dashboard or switch to the production number.",
        False,
    ),
    132001: (
        "The WhatsApp template “{template}” does not exist or is not approved in language “{language}”. "
        "Create or approve it in WhatsApp Manager.",
        False,
    ),
    132000: ("The WhatsApp template “{template}” expects a different number of values than were given.", False),
    131008: ("A value the WhatsApp template “{template}” needs is missing.", False),
    131009: ("A value given to the WhatsApp template “{template}” is not valid.", False),
    100: ("WhatsApp rejected the request as invalid.", False),
    131026: (
        "WhatsApp could not deliver to this number: it may not use WhatsApp, or the member has not accepted "
        "WhatsApp's latest terms.",
        False,
    ),
    131047: ("More than 24 hours have passed since the member last wrote; only approved templates can be sent.", False),
    131031: ("The gym's WhatsApp Business account is locked. Check it in Meta Business settings.", False),
    133010: ("The gym's phone number is not registered with the WhatsApp Cloud API.", False),
    368: ("The gym's WhatsApp number is temporarily blocked for policy reasons.", False),
    130429: ("WhatsApp's sending rate limit was reached; the message will be tried again later.", True),
    131056: ("Too many messages to this number in a short time; the message will be tried again later.", True),
    80007: ("The gym's WhatsApp account reached its rate limit; the message will be tried again later.", True),
    4: ("Too many calls to the WhatsApp API; the message will be tried again later.", True),
    131000: ("Something went wrong at WhatsApp; the message will be tried again later.", True),
    131016: ("WhatsApp is temporarily unavailable; the message will be tried again later.", True),
}


def describe_error(code: int | None, context: dict | None = None) -> tuple[str, bool]:
    """(message for a person, retryable) for a Cloud API error code; ``context``
    fills in the template name and language where the message names them."""
    human, retryable = _ERRORS.get(code, ("WhatsApp refused the message.", False))
    names = {"template": "?", "language": "?", **{k: v for k, v in (context or {}).items() if v}}
    return human.format(**names), retryable


class WhatsAppError(Exception):
    """A send that did not happen. ``code`` is Meta's error code (None for
    network trouble or our own checks); ``retryable`` says whether trying the
    same message again later can succeed."""

    def __init__(self, code: int | None, message: str, retryable: bool, *, http_status: int | None = None):
        super().__init__(code, message, retryable)  # args rebuild it when unpickled
        self.code = code
        self.message = message
        self.retryable = retryable
        self.http_status = http_status

    def __str__(self) -> str:
        return f"WhatsApp error {self.code}: {self.message}" if self.code is not None else self.message


@dataclass(frozen=True)
class WhatsAppConfig:
    token: str
    phone_number_id: str
    api_version: str = DEFAULT_API_VERSION
    base_url: str = DEFAULT_BASE_URL
    timeout: float = DEFAULT_TIMEOUT

    def __repr__(self) -> str:  # keep the token out of tracebacks and debug output
        return f"WhatsAppConfig(phone_number_id={self.phone_number_id!r}, base_url={self.base_url!r})"


def _api_version(value: str) -> str:
    value = (value or DEFAULT_API_VERSION).strip()
    return value if value.startswith("v") else f"v{value}"


class WhatsAppClient:
    def __init__(
        self,
        *,
        token: str,
        phone_number_id: str,
        api_version: str = DEFAULT_API_VERSION,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self.config = WhatsAppConfig(
            token=token or "",
            phone_number_id=str(phone_number_id or ""),
            api_version=_api_version(api_version),
            base_url=(base_url or DEFAULT_BASE_URL).rstrip("/"),
            timeout=float(timeout),
        )

    @classmethod
    def from_settings(cls) -> "WhatsAppClient":
        return cls(
            token=getattr(settings, "WHATSAPP_TOKEN", ""),
            phone_number_id=getattr(settings, "WHATSAPP_PHONE_NUMBER_ID", ""),
            api_version=getattr(settings, "WHATSAPP_API_VERSION", DEFAULT_API_VERSION),
            base_url=getattr(settings, "WHATSAPP_BASE_URL", DEFAULT_BASE_URL),
            timeout=getattr(settings, "WHATSAPP_TIMEOUT", DEFAULT_TIMEOUT),
        )

    def __repr__(self) -> str:
        return f"WhatsAppClient({self.config!r})"

    @property
    def messages_url(self) -> str:
        c = self.config
        return f"{c.base_url}/{c.api_version}/{quote(c.phone_number_id, safe='')}/messages"

    def send_template(self, to: str, template_name: str, language: str, parameters: list[str]) -> str:
        """Send an approved template with its body values in order; returns the
        message id (``wamid...``) that status webhooks refer to."""
        payload = build_template_payload(to, template_name, language, parameters)
        reply = self._post(payload, context={"template": template_name, "language": language})
        try:
            wamid = reply["messages"][0]["id"]
        except (KeyError, IndexError, TypeError):
            wamid = None
        if not isinstance(wamid, str) or not wamid:
            # WhatsApp may have sent it: retrying could send it twice, so do not.
            raise WhatsAppError(None, "WhatsApp accepted the request but its reply had no message id.", False)
        logger.info("WhatsApp template %s sent as %s", template_name, wamid)
        return wamid

    def _post(self, payload: dict, *, context: dict) -> dict:
        c = self.config
        if not c.token or not c.phone_number_id:
            raise WhatsAppError(
                None, "WhatsApp is not set up: WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID are needed.", False
            )
        parts = urlsplit(self.messages_url)
        if parts.scheme not in ("https", "http"):
            raise WhatsAppError(None, f"WHATSAPP_BASE_URL must be an http(s) address, not “{c.base_url}”.", False)
        request = Request(  # noqa: S310 - scheme checked above
            self.messages_url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {c.token}", "Content-Type": "application/json"},
        )
        # Loopback (the simulator) never goes through a proxy set in the environment.
        opener = build_opener(ProxyHandler({})) if parts.hostname in _LOOPBACK else build_opener()
        try:
            with opener.open(request, timeout=c.timeout) as response:
                status, body = response.status, response.read(MAX_REPLY_BYTES)
        except HTTPError as exc:
            with exc:
                body = exc.read(MAX_REPLY_BYTES)
            raise self._error_from_reply(exc.code, body, context) from None
        except (OSError, HTTPException) as exc:  # refused, reset, DNS, timeout, TLS
            reason = getattr(exc, "reason", None) or exc
            raise WhatsAppError(
                None, f"Could not reach WhatsApp ({self._redact(str(reason))}); will try again later.", True
            ) from None
        try:
            reply = json.loads(body)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or "error" in reply:
            raise self._error_from_reply(status, body, context)
        return reply

    def _error_from_reply(self, http_status: int, body: bytes, context: dict) -> WhatsAppError:
        try:
            error = json.loads(body)["error"]
            code = int(error["code"])
            said = str(error.get("message") or "")
            data = error.get("error_data")
            details = data.get("details") if isinstance(data, dict) else None
        except (ValueError, KeyError, TypeError, AttributeError):
            retryable = http_status >= 500 or http_status == 429
            text = f"WhatsApp answered HTTP {http_status} without an error description"
            return WhatsAppError(
                None, text + ("; will try again later." if retryable else "."), retryable, http_status=http_status
            )
        human, retryable = describe_error(code, context)
        if code not in _ERRORS:
            retryable = http_status >= 500
        said = "; ".join(part for part in (said, details if isinstance(details, str) else "") if part)
        if said:
            human = f"{human} (WhatsApp said: {self._redact(said)[:500]})"
        return WhatsAppError(code, human, retryable, http_status=http_status)

    def _redact(self, text: str) -> str:
        token = self.config.token
        return text.replace(token, "***") if token and len(token) > 3 else text


_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")


def build_template_payload(to: str, template_name: str, language: str, parameters: list[str]) -> dict:
    """The Cloud API body for a template message; raises WhatsAppError (not
    retryable) for input no retry can fix: bad number, bad name, empty value."""
    try:
        wa_id = to_wa_id(to)
    except ValidationError as exc:
        raise WhatsAppError(None, " ".join(exc.messages), False) from None
    if not isinstance(template_name, str) or not _TEMPLATE_NAME.match(template_name):
        raise WhatsAppError(
            None, f"“{template_name}” is not a WhatsApp template name (lower-case letters, digits, _).", False
        )
    if not language or not isinstance(language, str):
        raise WhatsAppError(None, f"The WhatsApp template “{template_name}” needs a language code.", False)
    values = list(parameters or [])
    for position, value in enumerate(values, start=1):
        if value is None or not str(value).strip():
            raise WhatsAppError(None, f"Value {position} of the WhatsApp template “{template_name}” is empty.", False)
    template: dict = {"name": template_name, "language": {"code": language}}
    if values:
        template["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": str(value)} for value in values]}
        ]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": "template",
        "template": template,
    }


def send_template(to: str, template_name: str, language: str, parameters: list[str]) -> str:
    """Send with the WHATSAPP_* settings; returns the wamid or raises WhatsAppError."""
    return WhatsAppClient.from_settings().send_template(to, template_name, language, parameters)
