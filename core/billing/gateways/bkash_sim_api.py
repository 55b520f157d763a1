"""What the bKash simulator answers: the checkout API and the payer's choices.

A mixin of ``BkashSimulator`` (which holds the state, the lock and the log).
Answers follow bKash's shapes: ``statusCode``/``statusMessage`` on every
reply, "0000" for success, ``{"message": "Unauthorized"}`` with HTTP 401 for a
bad token or bad merchant credentials, HTTP 503 during maintenance.
"""

import re
import secrets
import time
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.billing.gateways.bkash_sim_state import (
    APPROVED,
    CALLBACK_STATUS,
    CANCELLED,
    COMPLETED,
    FAILED,
    INITIATED,
    SimPayment,
    SimRequest,
)

ENDPOINTS = {
    "/tokenized/checkout/token/grant": "grant",
    "/tokenized/checkout/token/refresh": "refresh",
    "/tokenized/checkout/create": "create",
    "/tokenized/checkout/execute": "execute",
    "/tokenized/checkout/payment/status": "status",
    "/tokenized/checkout/general/searchTransaction": "search",
    "/tokenized/checkout/payment/refund": "refund",
}
MESSAGES = {
    "2001": "Invalid App Key",
    "2002": "Invalid Payment ID",
    "2006": "Invalid amount",
    "2007": "Invalid currency",
    "2008": "Invalid intent",
    "2023": "Insufficient Balance",
    "2026": "The reversal amount cannot be greater than the original transaction amount",
    "2033": "Transaction not found",
    "2049": "Invalid Merchant Callback URL",
    "2056": "Invalid Payment State",
    "2062": "The payment has already been completed",
    "2063": "Mode is not valid as per request data",
    "2065": "Mandatory field missing",
    "2117": "Payment execution already been called before",
    "503": "System is undergoing maintenance. Please try again later",
}
UNAUTHORIZED = (401, {"message": "Unauthorized"})
AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
MAX_HELD_EXECUTE_SECONDS = 60


def _refusal(code: str) -> tuple[int, dict]:
    return 200, {"statusCode": code, "statusMessage": MESSAGES[code]}


def _ok(**fields) -> tuple[int, dict]:
    return 200, {**fields, "statusCode": "0000", "statusMessage": "Successful"}


class SimApi:
    def handle_api(self, path: str, headers, body: dict) -> tuple[int, dict]:
        endpoint = ENDPOINTS.get(path, "unknown")
        authorization = str(headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        status, reply = self._answer(endpoint, headers, body, authorization)
        safe_body = {k: v for k, v in body.items() if k not in ("app_secret", "refresh_token")}
        with self.lock:
            self._log.append(
                SimRequest(
                    endpoint, safe_body, authorization, status, str(reply.get("statusCode", reply.get("message")))
                )
            )
        return status, reply

    def _answer(self, endpoint: str, headers, body: dict, authorization: str) -> tuple[int, dict]:
        if endpoint == "unknown":
            return 404, {"message": "Not Found"}
        if self.scenario.maintenance:
            return 503, {"statusCode": "503", "statusMessage": MESSAGES["503"]}
        if endpoint in ("grant", "refresh"):
            return self._token(endpoint, headers, body)
        with self.lock:
            expiry = self._tokens.get(authorization)
            if expiry is None or expiry < time.monotonic():
                return UNAUTHORIZED
        if headers.get("X-APP-Key") != self.app_key:
            return _refusal("2001")
        return getattr(self, f"_api_{endpoint}")(body)

    def _token(self, endpoint: str, headers, body: dict) -> tuple[int, dict]:
        if self.scenario.reject_credentials or (headers.get("username"), headers.get("password")) != (
            self.username,
            self.password,
        ):
            return UNAUTHORIZED
        if body.get("app_key") != self.app_key:
            return _refusal("2001")
        if body.get("app_secret") != self.app_secret:
            return UNAUTHORIZED
        with self.lock:
            if endpoint == "refresh" and body.get("refresh_token") not in self._refresh_tokens:
                return UNAUTHORIZED
            id_token, refresh_token = "sim-" + secrets.token_urlsafe(24), "simr-" + secrets.token_urlsafe(24)
            expires_in = int(self.scenario.token_expires_in)
            self._tokens[id_token] = time.monotonic() + expires_in
            self._refresh_tokens.add(refresh_token)
        return _ok(id_token=id_token, token_type="Bearer", expires_in=expires_in, refresh_token=refresh_token)  # noqa: S106 - random token

    def _api_create(self, body: dict) -> tuple[int, dict]:
        required = ("mode", "payerReference", "callbackURL", "amount", "currency", "intent", "merchantInvoiceNumber")
        if any(not str(body.get(name) or "") for name in required):
            return _refusal("2065")
        if body["mode"] != "0011":
            return _refusal("2063")
        if not isinstance(body["amount"], str) or not AMOUNT.match(body["amount"]) or Decimal(body["amount"]) <= 0:
            return _refusal("2006")
        if body["currency"] != "BDT":
            return _refusal("2007")
        if body["intent"] != "sale":
            return _refusal("2008")
        if urlsplit(str(body["callbackURL"])).scheme not in ("http", "https"):
            return _refusal("2049")
        with self.lock:
            payment = SimPayment(
                payment_id=self.new_id("TR0011", 14),
                amount=Decimal(body["amount"]).quantize(Decimal("0.01")),
                currency="BDT",
                invoice_number=str(body["merchantInvoiceNumber"]),
                payer_reference=str(body["payerReference"]),
                callback_url=str(body["callbackURL"]),
                hash=secrets.token_urlsafe(16),
                created_at=self.now_text(),
            )
            self._payments[payment.payment_id] = payment
        return _ok(
            paymentID=payment.payment_id,
            paymentCreateTime=payment.created_at,
            transactionStatus=payment.transaction_status,
            amount=str(payment.amount),
            currency=payment.currency,
            intent="sale",
            merchantInvoiceNumber=payment.invoice_number,
            bkashURL=self.checkout_url(payment),
            callbackURL=payment.callback_url,
            successCallbackURL=self.callback_url(payment, "pay"),
            failureCallbackURL=self.callback_url(payment, "fail"),
            cancelledCallbackURL=self.callback_url(payment, "cancel"),
        )

    def _api_execute(self, body: dict) -> tuple[int, dict]:
        with self.lock:
            payment = self._payments.get(str(body.get("paymentID")))
            if payment is None:
                return _refusal("2002")
            payment.execute_calls += 1
            if payment.state == COMPLETED:
                return _refusal("2117" if payment.executing else "2062")
            if payment.state != APPROVED:
                return _refusal("2056")
            if self.scenario.insufficient_balance:
                payment.state = FAILED
                return _refusal("2023")
            payment.state, payment.trx_id, payment.executed_at = COMPLETED, self.new_id("", 10), self.now_text()
            self._by_trx[payment.trx_id] = payment
            hold = min(float(self.scenario.execute_delay), MAX_HELD_EXECUTE_SECONDS)
            payment.executing = hold > 0
            reply = self._execute_reply(payment)
        if hold > 0:
            # Done on bKash's side, but the answer comes too late: the merchant must query.
            self.stopping.wait(hold)
            with self.lock:
                payment.executing = False
        return reply

    def _execute_reply(self, payment: SimPayment) -> tuple[int, dict]:
        return _ok(
            paymentID=payment.payment_id,
            customerMsisdn=payment.customer_msisdn,
            payerReference=payment.payer_reference,
            paymentExecuteTime=payment.executed_at,
            trxID=payment.trx_id,
            transactionStatus=payment.transaction_status,
            amount=str(payment.amount),
            currency=payment.currency,
            intent="sale",
            merchantInvoiceNumber=payment.invoice_number,
        )

    def _api_status(self, body: dict) -> tuple[int, dict]:
        with self.lock:
            payment = self._payments.get(str(body.get("paymentID")))
            if payment is None:
                return _refusal("2002")
            extra = {"trxID": payment.trx_id} if payment.trx_id else {}
            return _ok(
                paymentID=payment.payment_id,
                mode="0011",
                paymentCreateTime=payment.created_at,
                paymentExecuteTime=payment.executed_at or "",
                amount=str(payment.amount),
                currency=payment.currency,
                intent="sale",
                merchantInvoice=payment.invoice_number,
                transactionStatus=payment.transaction_status,
                verificationStatus="Complete" if payment.state == COMPLETED else "Incomplete",
                payerReference=payment.payer_reference,
                **extra,
            )

    def _api_search(self, body: dict) -> tuple[int, dict]:
        with self.lock:
            payment = self._by_trx.get(str(body.get("trxID")))
            if payment is None:
                return _refusal("2033")
            return _ok(
                trxID=payment.trx_id,
                initiationTime=payment.created_at,
                completedTime=payment.executed_at,
                transactionType="bKash Tokenized Checkout via API",
                customerMsisdn=payment.customer_msisdn,
                transactionStatus=payment.transaction_status,
                amount=str(payment.amount),
                currency=payment.currency,
                organizationShortCode="50022",
            )

    def _api_refund(self, body: dict) -> tuple[int, dict]:
        if any(not str(body.get(name) or "") for name in ("paymentID", "trxID", "amount", "sku", "reason")):
            return _refusal("2065")
        amount = str(body["amount"])
        if not AMOUNT.match(amount) or Decimal(amount) <= 0:
            return _refusal("2006")
        with self.lock:
            payment = self._payments.get(str(body["paymentID"]))
            if payment is None:
                return _refusal("2002")
            if payment.trx_id != body["trxID"]:
                return _refusal("2033")
            if payment.state != COMPLETED:
                return _refusal("2056")
            if payment.refunded + Decimal(amount) > payment.amount:
                return _refusal("2026")
            refund = {
                "refundTrxID": self.new_id("", 10),
                "amount": str(Decimal(amount).quantize(Decimal("0.01"))),
                "sku": str(body["sku"]),
                "reason": str(body["reason"]),
                "completedTime": self.now_text(),
            }
            payment.refunds.append(refund)
        return _ok(
            completedTime=refund["completedTime"],
            transactionStatus="Completed",
            originalTrxID=payment.trx_id,
            refundTrxID=refund["refundTrxID"],
            amount=refund["amount"],
            currency=payment.currency,
            charge="0.00",
        )

    # --- the payer's page ---------------------------------------------------------

    def checkout_url(self, payment: SimPayment) -> str:
        query = urlencode({"paymentId": payment.payment_id, "hash": payment.hash, "mode": "0011"})
        return f"{self.root_url}/checkout/?{query}"

    def callback_url(self, payment: SimPayment, action: str) -> str:
        parts = urlsplit(payment.callback_url)
        query = parse_qsl(parts.query) + [("paymentID", payment.payment_id), ("status", CALLBACK_STATUS[action])]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def find_for_payer(self, payment_id: str, hash_: str) -> SimPayment | None:
        with self.lock:
            payment = self._payments.get(payment_id)
        if payment is None or not secrets.compare_digest(payment.hash, hash_ or ""):
            return None
        return payment

    def payer_action(self, payment_id: str, action: str, *, msisdn: str = "01700000001") -> str:
        """Pay, cancel or fail as the payer; returns where the browser goes next.

        A second click (or a click on a finished payment) changes nothing and
        sends the browser back with the outcome it already has.
        """
        if action not in CALLBACK_STATUS:
            raise ValueError(f"Unknown payer action {action!r}")
        with self.lock:
            payment = self._payments[payment_id]
            if payment.state == INITIATED:
                if action == "pay":
                    payment.state, payment.customer_msisdn = APPROVED, msisdn
                else:
                    payment.state = CANCELLED if action == "cancel" else FAILED
            outcome = {APPROVED: "pay", COMPLETED: "pay", CANCELLED: "cancel", FAILED: "fail"}.get(
                payment.state, action
            )
        return self.callback_url(payment, outcome)
