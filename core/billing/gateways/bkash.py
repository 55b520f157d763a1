"""bKash tokenized checkout (v1.2.0-beta) client over plain HTTP(S) (urllib).

Flow: ``create_payment`` gives a ``bkash_url`` for the payer's browser; bKash
sends the browser back to the callback URL; the server then calls
``execute_payment`` (never trusting the redirect), and on ``BkashTimeout`` or
an odd reply asks ``query_payment`` before deciding. Amounts go out as
"100.00" strings built from Decimal, never floats.

The id_token is cached (Django cache, keyed by merchant: shared by threads,
and by processes when the cache backend is shared) until shortly before it expires, renewed with the
refresh_token, and re-granted once when bKash answers "Unauthorized".
Passwords, app secret and tokens never reach a log line or an error message.

Settings: BKASH_BASE_URL, BKASH_USERNAME, BKASH_PASSWORD, BKASH_APP_KEY,
BKASH_APP_SECRET, BKASH_TIMEOUT. The defaults point at the loopback simulator
(``manage.py bkash_simulator``), so development works offline.
"""

import hashlib
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from http.client import HTTPException
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import ProxyHandler, Request, build_opener

from django.conf import settings

from core.billing.gateways.bkash_errors import BkashAuthError, BkashError, BkashTimeout, error_for
from core.billing.gateways.bkash_results import (
    CreatedPayment,
    PaymentStatus,
    Refund,
    Transaction,
    format_amount,
    parse_amount,
)

__all__ = [
    "BkashAuthError",
    "BkashClient",
    "BkashConfig",
    "BkashError",
    "BkashTimeout",
    "CreatedPayment",
    "PaymentStatus",
    "Refund",
    "Transaction",
    "format_amount",
]

logger = logging.getLogger(__name__)

DEFAULT_SIMULATOR_PORT = 8765
DEFAULT_BASE_URL = f"http://127.0.0.1:{DEFAULT_SIMULATOR_PORT}/v1.2.0-beta"
# The simulator's merchant; real values come from the environment.
DEFAULT_USERNAME = "gymos-sim"
DEFAULT_PASSWORD = "gymos-sim-password"  # noqa: S105 - simulator only
DEFAULT_APP_KEY = "gymos-sim-app-key"
DEFAULT_APP_SECRET = "gymos-sim-app-secret"  # noqa: S105 - simulator only
DEFAULT_TIMEOUT = 30.0
# Renew this long before bKash's expiry so a token never dies mid-request.
TOKEN_MARGIN_SECONDS = 120
# bKash keeps refresh tokens far longer; a stale one just costs one grant.
REFRESH_TOKEN_TTL = 24 * 3600
MAX_REPLY_BYTES = 1024 * 1024
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_GRANT_LOCK = threading.Lock()


@dataclass(frozen=True)
class BkashConfig:
    base_url: str
    username: str
    password: str = field(repr=False)
    app_key: str = field(repr=False)
    app_secret: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_settings(cls) -> "BkashConfig":
        return cls(
            base_url=getattr(settings, "BKASH_BASE_URL", DEFAULT_BASE_URL),
            username=getattr(settings, "BKASH_USERNAME", DEFAULT_USERNAME),
            password=getattr(settings, "BKASH_PASSWORD", DEFAULT_PASSWORD),
            app_key=getattr(settings, "BKASH_APP_KEY", DEFAULT_APP_KEY),
            app_secret=getattr(settings, "BKASH_APP_SECRET", DEFAULT_APP_SECRET),
            timeout=float(getattr(settings, "BKASH_TIMEOUT", DEFAULT_TIMEOUT)),
        )


class BkashClient:
    """One merchant's tokenized checkout. Any argument left out comes from settings.

    ``cache`` is a Django cache (default: ``caches["default"]``) for the token;
    ``clock`` gives wall-clock seconds for token expiry (tests move it forward).
    """

    def __init__(
        self, *, config: BkashConfig | None = None, cache=None, clock: Callable[[], float] = time.time, **overrides
    ):
        config = replace(config or BkashConfig.from_settings(), **overrides)
        self.config = replace(config, base_url=config.base_url.rstrip("/"), timeout=float(config.timeout))
        self._cache = cache
        self._clock = clock
        merchant = f"{self.config.base_url}|{self.config.username}|{self.config.app_key}"
        self._cache_key = "bkash:token:" + hashlib.sha256(merchant.encode()).hexdigest()[:24]

    def __repr__(self) -> str:
        return f"BkashClient(base_url={self.config.base_url!r}, username={self.config.username!r})"

    # --- checkout ---------------------------------------------------------------

    def create_payment(
        self, *, amount: Decimal, invoice_number: str, payer_reference: str, callback_url: str, currency: str = "BDT"
    ) -> CreatedPayment:
        body = {
            "mode": "0011",
            # bKash requires the field; its own plugins send a space when there is none.
            "payerReference": str(payer_reference or " "),
            "callbackURL": callback_url,
            "amount": format_amount(amount),
            "currency": currency,
            "intent": "sale",
            "merchantInvoiceNumber": str(invoice_number),
        }
        reply = self._call("create", "/tokenized/checkout/create", body)
        if not reply.get("paymentID") or not reply.get("bkashURL"):
            raise error_for("bad_response", "create gave no paymentID or bkashURL")
        return CreatedPayment(
            payment_id=reply["paymentID"],
            bkash_url=reply["bkashURL"],
            transaction_status=str(reply.get("transactionStatus", "")),
            amount=parse_amount(reply.get("amount")),
            invoice_number=str(reply.get("merchantInvoiceNumber", invoice_number)),
            raw=reply,
        )

    def execute_payment(self, payment_id: str) -> PaymentStatus:
        """Capture an approved payment. On BkashTimeout call ``query_payment``."""
        return self._payment_status(self._call("execute", "/tokenized/checkout/execute", {"paymentID": payment_id}))

    def query_payment(self, payment_id: str) -> PaymentStatus:
        reply = self._call("status", "/tokenized/checkout/payment/status", {"paymentID": payment_id})
        return self._payment_status(reply)

    def search_transaction(self, trx_id: str) -> Transaction:
        reply = self._call("search", "/tokenized/checkout/general/searchTransaction", {"trxID": trx_id})
        return Transaction(
            trx_id=str(reply.get("trxID", trx_id)),
            transaction_status=str(reply.get("transactionStatus", "")),
            amount=parse_amount(reply.get("amount")),
            currency=str(reply.get("currency", "")),
            customer_msisdn=str(reply.get("customerMsisdn", "")),
            completed_time=str(reply.get("completedTime", "")),
            raw=reply,
        )

    def refund(self, *, payment_id: str, trx_id: str, amount: Decimal, reason: str, sku: str) -> Refund:
        body = {
            "paymentID": payment_id,
            "amount": format_amount(amount),
            "trxID": trx_id,
            "sku": str(sku)[:255],
            "reason": str(reason)[:255],
        }
        reply = self._call("refund", "/tokenized/checkout/payment/refund", body)
        return Refund(
            original_trx_id=str(reply.get("originalTrxID", trx_id)),
            refund_trx_id=str(reply.get("refundTrxID", "")),
            transaction_status=str(reply.get("transactionStatus", "")),
            amount=parse_amount(reply.get("amount")),
            charge=parse_amount(reply.get("charge")),
            completed_time=str(reply.get("completedTime", "")),
            raw=reply,
        )

    @staticmethod
    def _payment_status(reply: dict) -> PaymentStatus:
        return PaymentStatus(
            payment_id=str(reply.get("paymentID", "")),
            transaction_status=str(reply.get("transactionStatus", "")),
            trx_id=reply.get("trxID") or None,
            amount=parse_amount(reply.get("amount")),
            currency=str(reply.get("currency", "")),
            # execute says merchantInvoiceNumber, status query says merchantInvoice.
            invoice_number=str(reply.get("merchantInvoiceNumber") or reply.get("merchantInvoice") or ""),
            payer_reference=str(reply.get("payerReference", "")),
            customer_msisdn=str(reply.get("customerMsisdn", "")),
            raw=reply,
        )

    # --- token ------------------------------------------------------------------

    @property
    def cache(self):
        if self._cache is None:
            from django.core.cache import caches

            self._cache = caches["default"]
        return self._cache

    def get_token(self) -> str:
        """A valid id_token: cached, refreshed, or freshly granted (one grant at a time per process)."""
        cached = self.cache.get(self._cache_key)
        if cached and cached["expires_at"] > self._clock():
            return cached["id_token"]
        with _GRANT_LOCK:
            cached = self.cache.get(self._cache_key)
            if cached and cached["expires_at"] > self._clock():
                return cached["id_token"]
            if cached and cached.get("refresh_token"):
                try:
                    return self._store(self._token_request("refresh", {"refresh_token": cached["refresh_token"]}))
                except BkashError as exc:
                    if exc.code in ("503", "timeout", "no_response", "unreachable"):
                        raise
                    logger.info("bKash token refresh refused (%s); granting a new token", exc.code)
            return self._store(self._token_request("grant", {}))

    def forget_token(self) -> None:
        self.cache.delete(self._cache_key)

    def _token_request(self, kind: str, extra: dict) -> dict:
        c = self.config
        body = {"app_key": c.app_key, "app_secret": c.app_secret, **extra}
        reply = self._post(
            kind, f"/tokenized/checkout/token/{kind}", body, {"username": c.username, "password": c.password}
        )
        if not reply.get("id_token"):
            raise error_for("bad_response", f"token {kind} gave no id_token")
        return reply

    def _store(self, reply: dict) -> str:
        try:
            expires_in = int(reply.get("expires_in", 3600))
        except (TypeError, ValueError):
            expires_in = 3600
        entry = {
            "id_token": reply["id_token"],
            "refresh_token": reply.get("refresh_token") or "",
            "expires_at": self._clock() + expires_in - TOKEN_MARGIN_SECONDS,
        }
        self.cache.set(self._cache_key, entry, timeout=max(expires_in, REFRESH_TOKEN_TTL))
        return entry["id_token"]

    # --- HTTP -------------------------------------------------------------------

    def _call(self, name: str, path: str, body: dict) -> dict:
        """An authorised call; on "Unauthorized" one retry with a freshly granted token."""
        token = self.get_token()  # bad merchant credentials fail here, with no retry
        try:
            return self._post(name, path, body, self._auth_headers(token))
        except BkashAuthError:
            logger.info("bKash said Unauthorized to %s; granting a new token and trying once more", name)
        self.forget_token()
        return self._post(name, path, body, self._auth_headers(self.get_token()))

    def _auth_headers(self, token: str) -> dict:
        return {"Authorization": token, "X-APP-Key": self.config.app_key}

    def _post(self, name: str, path: str, body: dict, headers: dict) -> dict:
        c = self.config
        if not (c.base_url and c.username and c.password and c.app_key and c.app_secret):
            raise error_for("not_configured")
        url = c.base_url + path
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise error_for("not_configured", "BKASH_BASE_URL must be an http(s) address")
        request = Request(  # noqa: S310 - scheme checked above
            url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        )
        # Loopback (the simulator) never goes through a proxy set in the environment.
        opener = build_opener(ProxyHandler({})) if parts.hostname in _LOOPBACK else build_opener()
        started = time.monotonic()
        try:
            with opener.open(request, timeout=c.timeout) as response:
                status, raw = response.status, response.read(MAX_REPLY_BYTES)
        except HTTPError as exc:
            with exc:
                status, raw = exc.code, exc.read(MAX_REPLY_BYTES)
        except (HTTPException, OSError) as exc:  # URLError and TimeoutError are OSErrors
            raise self._network_error(name, exc) from None
        logger.debug("bKash %s answered HTTP %s in %.0f ms", name, status, (time.monotonic() - started) * 1000)
        return self._check_reply(name, status, raw)

    @staticmethod
    def _network_error(name: str, exc: BaseException) -> BkashError:
        # urllib wraps errors of connecting and sending in URLError; errors while
        # waiting for the answer come through bare.
        reason = exc.reason if isinstance(exc, URLError) else exc
        if isinstance(reason, TimeoutError):
            code = "timeout"
        elif isinstance(exc, URLError) and isinstance(reason, ConnectionRefusedError | socket.gaierror | ssl.SSLError):
            code = "unreachable"  # never connected, so nothing was sent
        else:
            code = "no_response"
        logger.warning("bKash %s: %s (%s)", name, code, type(reason).__name__)
        return error_for(code, type(reason).__name__)

    @staticmethod
    def _check_reply(name: str, status: int, raw: bytes) -> dict:
        try:
            reply = json.loads(raw)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            if status == 503:
                raise error_for("503", http_status=status)
            if status in (401, 403):
                raise error_for("unauthorized", http_status=status)
            if status >= 400:
                raise error_for(f"http_{status}", f"HTTP {status}", http_status=status)
            raise error_for("bad_response", "not a JSON object", http_status=status)
        if str(reply.get("message", "")).lower() == "unauthorized" or (
            status in (401, 403) and not reply.get("statusCode") and not reply.get("errorCode")
        ):
            raise error_for("unauthorized", str(reply.get("message", "")), http_status=status)
        if reply.get("errorCode"):
            raise error_for(str(reply["errorCode"]), str(reply.get("errorMessage", "")), http_status=status)
        code = str(reply.get("statusCode", "0000" if status < 400 else status))
        if code != "0000":
            logger.info("bKash %s refused: %s %s", name, code, reply.get("statusMessage", ""))
            raise error_for(code, str(reply.get("statusMessage", "")), http_status=status)
        return reply
