"""A fake WhatsApp Cloud API on loopback, for tests and ``make run``.

It answers ``POST /v<N>.0/<PHONE_NUMBER_ID>/messages`` like Meta does
(including the error replies for a bad token, an unknown template, a number
not on the allowed list and the rate limit), records what it was asked to
send, and, when ``webhook_url`` is set, posts signed status webhooks (sent,
delivered, read; or sent, failed for chosen numbers) back to the app from a
background thread, optionally out of order and twice each.

    with WhatsAppSimulator(webhook_url=url, known_templates={"renewal_reminder": 2}) as sim:
        settings.WHATSAPP_BASE_URL = sim.base_url
        ...
        assert wait_for(lambda: len(sim.webhook_deliveries) == 3, timeout=5)

Standard library only (plus our webhook signing), so it also runs outside
Django: ``python -m core.notifications.whatsapp.simulator_cli --port 8789``.
"""

import base64
import hmac
import json
import logging
import queue
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit
from urllib.request import ProxyHandler, Request, build_opener

from core.notifications.whatsapp.simulator_replies import (
    error_reply,
    parse_send_request,
    status_payload,
    template_error,
    wa_id,
)
from core.notifications.whatsapp.webhook import SIGNATURE_HEADER, sign

logger = logging.getLogger(__name__)

_PATH = re.compile(r"^/v\d+\.\d+/([^/]+)/messages/?$")
MAX_BODY = 1024 * 1024
_NO_PROXY = build_opener(ProxyHandler({}))
# Demo credentials: the simulator accepts only these unless told otherwise.
SIM_TOKEN = "sim-token"  # noqa: S105 - not a secret, a simulator default
SIM_APP_SECRET = "sim-app-secret"  # noqa: S105 - not a secret, a simulator default
SIM_PHONE_NUMBER_ID = "100000000000001"


def wait_for(predicate: Callable[[], object], timeout: float = 5.0, interval: float = 0.01):
    """Poll ``predicate`` until it returns something truthy (returned) or
    ``timeout`` seconds pass (returns the last, falsy, value)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


@dataclass(frozen=True)
class SentMessage:
    wamid: str
    to: str  # WhatsApp id (digits)
    template: str
    language: str
    parameters: list[str]
    body: dict
    received_at: datetime


@dataclass(frozen=True)
class WebhookDelivery:
    wamid: str
    status: str  # sent, delivered, read, failed
    http_status: int | None  # the app's answer; None if it could not be reached
    error: str = ""


class WhatsAppSimulator:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str = SIM_TOKEN,
        phone_number_id: str = SIM_PHONE_NUMBER_ID,
        app_secret: str = SIM_APP_SECRET,
        webhook_url: str | None = None,
        known_templates: Mapping[str, int | None] | Iterable[str] | None = None,
        blocked: Iterable[str] = (),
        fail_numbers: Iterable[str] = (),
        rate_limited: bool = False,
        out_of_order: bool = False,
        duplicate: bool = False,
        webhook_signature: str = "valid",
        webhook_delay: float = 0.0,
        webhook_retries: int = 2,
    ):
        """``known_templates``: None accepts any template; otherwise names, or
        a mapping name -> number of body values (None: any number).
        ``webhook_signature``: "valid", "bad" or "missing" (to test the app's refusal)."""
        self.host, self.port = host, port
        self.token, self.phone_number_id, self.app_secret = token, str(phone_number_id), app_secret
        self.webhook_url = webhook_url
        if known_templates is not None and not isinstance(known_templates, Mapping):
            known_templates = dict.fromkeys(known_templates)
        self.known_templates = None if known_templates is None else dict(known_templates)
        self.blocked = {wa_id(n) for n in blocked}
        self.fail_numbers = {wa_id(n) for n in fail_numbers}
        self.rate_limited, self.out_of_order, self.duplicate = rate_limited, out_of_order, duplicate
        self.webhook_signature, self.webhook_delay = webhook_signature, webhook_delay
        self.webhook_retries = webhook_retries
        self.requests_seen = 0
        self._lock = threading.Lock()
        self._sent: list[SentMessage] = []
        self._deliveries: list[WebhookDelivery] = []
        self._forced: deque[tuple[int, bytes, str]] = deque()
        self._jobs: queue.Queue = queue.Queue()
        self._pending = 0
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # --- life cycle ---------------------------------------------------------
    def start(self) -> "WhatsAppSimulator":
        server = ThreadingHTTPServer((self.host, self.port), _Handler)
        server.daemon_threads = True
        server.simulator = self
        self._server, self.port = server, server.server_address[1]
        self._stop.clear()
        self._threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True),
            threading.Thread(target=self._webhook_worker, daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; webhooks not yet posted are dropped."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        with self._lock:  # a restarted simulator does not post stale webhooks
            while not self._jobs.empty():
                self._jobs.get_nowait()
            self._pending = 0

    def __enter__(self) -> "WhatsAppSimulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What WHATSAPP_BASE_URL should be set to."""
        if self._server is None:
            raise RuntimeError("The WhatsApp simulator is not running: call start() first.")
        return f"http://{self.host}:{self.port}"

    # --- inspection and control ---------------------------------------------
    @property
    def sent(self) -> list[SentMessage]:
        with self._lock:
            return list(self._sent)

    def sent_to(self, number: str) -> list[SentMessage]:
        return [m for m in self.sent if m.to == wa_id(number)]

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        with self._lock:
            return list(self._deliveries)

    def webhooks_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every queued status webhook has been posted."""
        return bool(wait_for(lambda: self._pending == 0, timeout))

    def fail_next(self, http_status: int = 500, code: int | None = None, message: str = "", count: int = 1) -> None:
        """Answer the next ``count`` sends with this error (code None: a bare, non-JSON HTTP error)."""
        body = b"Internal Server Error" if code is None else error_reply(code, message or "Simulated error")
        self.reply_next(http_status, body, count)

    def reply_next(self, http_status: int, body: dict | bytes, count: int = 1) -> None:
        """Answer the next ``count`` sends with exactly this (a dict is sent as JSON), sending nothing."""
        if isinstance(body, bytes):
            reply = (http_status, body, "text/plain")
        else:
            reply = (http_status, json.dumps(body).encode(), "")
        with self._lock:
            self._forced.extend([reply] * count)

    def reset(self) -> None:
        with self._lock:
            self._sent.clear()
            self._deliveries.clear()
            self._forced.clear()
            self.requests_seen = 0

    def check_subscription(self, verify_token: str, challenge: str = "1158201444") -> tuple[int | None, str]:
        """Do Meta's GET subscription check against ``webhook_url``: (HTTP status, body)."""
        query = urlencode({"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge})
        sep = "&" if "?" in self.webhook_url else "?"
        status, body, error = _http(Request(f"{self.webhook_url}{sep}{query}", method="GET"))  # noqa: S310 - http(s) webhook URL set by the test
        return status, body.decode(errors="replace") if body else error

    # --- the Cloud API --------------------------------------------------------
    def handle_send(self, phone_number_id: str, authorization: str | None, raw: bytes) -> tuple[int, bytes, str]:
        """Answer one send request: (HTTP status, body, content type or "" for JSON)."""
        with self._lock:
            self.requests_seen += 1
            if self._forced:
                return self._forced.popleft()
        status, reply, message = self._accept(phone_number_id, authorization or "", raw)
        if message is not None:
            with self._lock:
                self._sent.append(message)
            self._schedule_webhooks(message)
        return status, json.dumps(reply).encode(), ""

    def _accept(self, phone_number_id: str, authorization: str, raw: bytes):
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return 401, error_reply(190, "Invalid OAuth access token - Cannot parse access token"), None
        if phone_number_id != self.phone_number_id:
            text = f"Unsupported post request. Object with ID '{phone_number_id}' does not exist"
            return 400, error_reply(100, text), None
        if self.rate_limited:
            return 429, error_reply(130429, "(#130429) Rate limit hit"), None
        try:
            body, to, name, language, params = parse_send_request(raw)
        except ValueError:
            return 400, error_reply(100, "(#100) Invalid parameter"), None
        if to in {wa_id(n) for n in self.blocked}:  # any form: tests add numbers as they like
            return 400, error_reply(131030, "(#131030) Recipient phone number not in allowed list"), None
        error = template_error(self.known_templates, name, language, params)
        if error is not None:
            return error[0], error[1], None
        wamid = "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x12" + secrets.token_bytes(18)).decode()
        message = SentMessage(wamid, to, name, language, [str(p) for p in params], body, datetime.now(UTC))
        reply = {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": to}]}
        return 200, {**reply, "messages": [{"id": wamid}]}, message

    # --- status webhooks ------------------------------------------------------
    def _schedule_webhooks(self, message: SentMessage) -> None:
        if not self.webhook_url:
            return
        failed = message.to in {wa_id(n) for n in self.fail_numbers}
        statuses = ["sent", "failed"] if failed else ["sent", "delivered", "read"]
        if self.out_of_order:
            statuses = statuses[::-1] if failed else ["sent", "read", "delivered"]
        if self.duplicate:
            statuses = [s for s in statuses for _ in range(2)]
        with self._lock:
            self._pending += len(statuses)
        start = int(time.time())
        for status in statuses:
            self._jobs.put((message, status, start + {"sent": 0, "delivered": 1, "read": 2, "failed": 1}[status]))

    def _webhook_worker(self) -> None:
        while not self._stop.is_set():
            try:
                message, status, timestamp = self._jobs.get(timeout=0.05)
            except queue.Empty:
                continue
            try:
                if self.webhook_delay and self._stop.wait(self.webhook_delay):
                    break
                self._post_status(message, status, timestamp)
            finally:
                with self._lock:
                    self._pending -= 1

    def _post_status(self, message: SentMessage, status: str, timestamp: int) -> None:
        payload = status_payload(self.phone_number_id, message.wamid, message.to, status, timestamp)
        raw = json.dumps(payload, separators=(",", ":")).encode()  # compact, like Meta
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
        if self.webhook_signature != "missing":
            secret = self.app_secret if self.webhook_signature == "valid" else self.app_secret + "-wrong"
            headers[SIGNATURE_HEADER] = sign(raw, secret)
        for attempt in range(self.webhook_retries + 1):
            request = Request(self.webhook_url, data=raw, headers=headers, method="POST")  # noqa: S310 - http(s) webhook URL set by the test
            http_status, _, error = _http(request)
            if (http_status is not None and http_status < 500) or attempt == self.webhook_retries:
                break
            if self._stop.wait(0.1 * (attempt + 1)):
                break
        with self._lock:
            self._deliveries.append(WebhookDelivery(message.wamid, status, http_status, error))


def _http(request: Request) -> tuple[int | None, bytes, str]:
    """(status, body, error text) without raising; loopback, so no proxy."""
    try:
        with _NO_PROXY.open(request, timeout=5) as response:
            return response.status, response.read(MAX_BODY), ""
    except OSError as exc:
        status = getattr(exc, "code", None)
        body = exc.read(MAX_BODY) if status is not None else b""
        return status, body, str(getattr(exc, "reason", exc))


class _Handler(BaseHTTPRequestHandler):
    server_version = "WhatsAppSimulator/1.0"
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        match = _PATH.match(urlsplit(self.path).path)
        length = self.headers.get("Content-Length") or "0"
        if match is None or not length.isdigit() or int(length) > MAX_BODY:
            status = 404 if match is None else 413
            self._reply(status, json.dumps(error_reply(100, "Unknown path components")).encode(), "")
            return
        raw = self.rfile.read(int(length))
        self._reply(*self.server.simulator.handle_send(match.group(1), self.headers.get("Authorization"), raw))

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002 - the request line only, never headers
        logger.debug("whatsapp simulator: " + format, *args)
