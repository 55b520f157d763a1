"""An SMTP server on loopback (aiosmtpd) for outbox tests.

The server binds 127.0.0.1 on a free port; ``reject`` makes it refuse every
message at the DATA stage with a permanent 554, the way a real relay refuses.
"""

import contextlib
import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

REJECT_REPLY = "554 5.7.1 Message rejected by test relay"


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.Message

    @property
    def text(self) -> str:
        """The plain-text part, decoded (what a person reads in a text-only mail client)."""
        for part in self.message.walk():
            if part.get_content_type() == "text/plain" and part.get_content_disposition() != "attachment":
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        raise AssertionError(f"no text/plain part in {self.message['Subject']!r}")


@dataclass
class RecordingHandler:
    reject: bool = False
    received: list[ReceivedMessage] = field(default_factory=list)
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        with self._lock:
            if self.reject:
                self.refused += 1
                return REJECT_REPLY
            self.received.append(
                ReceivedMessage(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=email.message_from_bytes(envelope.original_content),
                )
            )
        return "250 Message accepted for delivery"


class _FreePortController(Controller):
    """aiosmtpd's Controller, bound to port 0: learns the real port before its
    start-up self-check connects to it."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[ReceivedMessage]:
        return self.handler.received

    def settings(self) -> dict:
        """Django settings that point the SMTP backend at this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
        }


@contextlib.contextmanager
def smtp_server(*, reject: bool = False) -> Iterator[SmtpServer]:
    handler = RecordingHandler(reject=reject)
    controller = _FreePortController(
        handler, hostname="127.0.0.1", port=0, ready_timeout=5, server_hostname="relay.gymos.test"
    )
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=controller.port, handler=handler)
    finally:
        controller.stop()


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: connecting is refused.
    Holding the socket keeps any other process from taking the port meanwhile."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
    finally:
        sock.close()
