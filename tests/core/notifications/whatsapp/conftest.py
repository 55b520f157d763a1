"""A running simulator, a client pointed at it, and a tiny webhook receiver
that checks signatures the way the app's view must (401 missing, 403 bad)."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from core.notifications.whatsapp.client import WhatsAppClient
from core.notifications.whatsapp.simulator import WhatsAppSimulator
from core.notifications.whatsapp.webhook import (
    SIGNATURE_HEADER,
    WebhookError,
    load_payload,
    verify_signature,
    verify_subscription,
)

TOKEN = "test-token-5f1c9a"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
TEMPLATES = {"renewal_reminder": 2, "membership_expired": 1, "hello_world": 0}


@pytest.fixture
def simulator():
    with WhatsAppSimulator(token=TOKEN, app_secret=APP_SECRET, known_templates=TEMPLATES) as sim:
        yield sim


@pytest.fixture
def wa_client(simulator):
    return WhatsAppClient(
        token=TOKEN, phone_number_id=simulator.phone_number_id, base_url=simulator.base_url, timeout=5
    )


@dataclass
class Received:
    status: int
    signature: str | None
    raw: bytes
    payload: dict | None


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[dict]:
        with self.lock:
            return [r.payload for r in self.received if r.status == 200]

    def answers(self) -> list[int]:
        with self.lock:
            return [r.status for r in self.received]


@pytest.fixture
def receiver():
    """An app stand-in on 127.0.0.1:<free port>: signature first, then parse."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            signature = self.headers.get(SIGNATURE_HEADER)
            payload = None
            try:
                verify_signature(raw, signature, APP_SECRET)
                payload = load_payload(raw)
                status = 200
            except WebhookError as exc:
                status = exc.status_code
            with state.lock:
                state.received.append(Received(status, signature, raw, payload))
            self._answer(status, b"ok" if status == 200 else b"refused")

        def do_GET(self):  # noqa: N802
            params = dict(parse_qsl(urlsplit(self.path).query))
            try:
                self._answer(200, verify_subscription(params, VERIFY_TOKEN).encode())
            except WebhookError as exc:
                self._answer(exc.status_code, b"refused")

        def _answer(self, status, body):
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/whatsapp/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
