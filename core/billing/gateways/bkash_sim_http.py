"""HTTP side of the bKash simulator: JSON API, the payer's page, a peek page.

- ``POST <base_path>/tokenized/checkout/...``: the API (``SimApi.handle_api``).
- ``GET /checkout/?paymentId=..&hash=..``: the payer's page with Pay, Cancel and
  Fail buttons (plain forms, no JavaScript). Adding ``&action=pay|cancel|fail``
  acts at once, for scripts that have no browser.
- ``POST /checkout/``: the buttons; 303 to ``callbackURL?paymentID=..&status=..``.
- ``GET /`` (HTML) and ``GET /_sim/payments`` (JSON): what the simulator holds.
"""

import html
import json
import logging
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from core.billing.gateways.bkash_sim_state import CALLBACK_STATUS, INITIATED

logger = logging.getLogger("core.billing.gateways.bkash_simulator")

MAX_BODY_BYTES = 64 * 1024
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bKash simulator</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}
h1{{color:#e2136e}}button{{font-size:1.1rem;padding:.6rem 1.2rem;margin:.3rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}</style>
</head><body><h1>bKash simulator</h1>{body}</body></html>"""


class SimHandler(BaseHTTPRequestHandler):
    server_version = "bKashSimulator/1.0"

    @property
    def sim(self):
        return self.server.sim

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        logger.debug("%s %s", self.address_string(), format % args)

    # --- routing ------------------------------------------------------------------

    def do_POST(self):  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path
        raw = self._read_body()
        if raw is None:
            return self._json(413, {"message": "Request too large"})
        api_prefix = self.sim.base_path + "/tokenized/"
        if path.startswith(api_prefix):
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return self._json(400, {"statusCode": "2025", "statusMessage": "Invalid request body"})
            status, reply = self.sim.handle_api(path[len(self.sim.base_path) :], self.headers, body)
            return self._json(status, reply)
        if path.rstrip("/") == "/checkout":
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            return self._payer(form.get("paymentId", ""), form.get("hash", ""), form.get("action", ""))
        return self._json(404, {"message": "Not Found"})

    def do_GET(self):  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.rstrip("/") == "/checkout":
            if query.get("action"):
                return self._payer(query.get("paymentId", ""), query.get("hash", ""), query["action"])
            return self._checkout_page(query.get("paymentId", ""), query.get("hash", ""))
        if parts.path == "/_sim/payments":
            return self._json(200, {"payments": [self._describe(p) for p in self.sim.payments()]})
        if parts.path == "/":
            return self._overview()
        return self._html(404, "<p>Nothing here.</p>")

    # --- pages --------------------------------------------------------------------

    def _payer(self, payment_id: str, hash_: str, action: str):
        payment = self.sim.find_for_payer(payment_id, hash_)
        if payment is None:
            return self._html(404, "<p>This payment link is not valid.</p>")
        if action not in CALLBACK_STATUS:
            return self._html(400, "<p>Choose Pay, Cancel or Fail.</p>")
        self.send_response(303)
        self.send_header("Location", self.sim.payer_action(payment.payment_id, action))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _checkout_page(self, payment_id: str, hash_: str):
        payment = self.sim.find_for_payer(payment_id, hash_)
        if payment is None:
            return self._html(404, "<p>This payment link is not valid.</p>")
        e = html.escape
        facts = (
            f"<p>Merchant invoice <strong>{e(payment.invoice_number)}</strong></p>"
            f"<p>Amount <strong>{e(payment.currency)} {e(str(payment.amount))}</strong></p>"
        )
        if payment.state != INITIATED:
            return self._html(200, facts + f"<p>This payment is {e(payment.transaction_status.lower())}.</p>")
        hidden = (
            f'<input type="hidden" name="paymentId" value="{e(payment.payment_id)}">'
            f'<input type="hidden" name="hash" value="{e(payment.hash)}">'
        )
        buttons = "".join(
            f'<form method="post" action="/checkout/" style="display:inline">{hidden}'
            f'<button type="submit" name="action" value="{action}">{label}</button></form>'
            for action, label in (("pay", "Pay"), ("cancel", "Cancel"), ("fail", "Fail"))
        )
        return self._html(200, facts + "<p>Wallet 01700000001, PIN accepted by the simulator.</p>" + buttons)

    def _overview(self):
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(p.payment_id)}</td><td>{e(p.invoice_number)}</td><td>{e(str(p.amount))}</td>"
            f"<td>{e(p.state)}</td><td>{e(p.trx_id or '')}</td></tr>"
            for p in self.sim.payments()
        )
        table = "<table><tr><th>paymentID</th><th>invoice</th><th>amount</th><th>state</th><th>trxID</th></tr>"
        return self._html(200, f"<p>API at <code>{e(self.sim.base_url)}</code></p>{table}{rows}</table>")

    @staticmethod
    def _describe(payment) -> dict:
        return {
            "paymentID": payment.payment_id,
            "merchantInvoiceNumber": payment.invoice_number,
            "amount": str(payment.amount),
            "state": payment.state,
            "transactionStatus": payment.transaction_status,
            "trxID": payment.trx_id,
            "refunds": payment.refunds,
        }

    # --- plumbing -----------------------------------------------------------------

    def _read_body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _json(self, status: int, payload: dict):
        self._send(status, "application/json", json.dumps(payload).encode())

    def _html(self, status: int, body: str):
        self._send(status, "text/html; charset=utf-8", PAGE.format(body=body).encode())

    def _send(self, status: int, content_type: str, data: bytes):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the execute-timeout scenario)
