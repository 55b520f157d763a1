"""A loopback bKash tokenized checkout for tests and offline development.

``BkashSimulator`` serves the checkout API (grant, refresh, create, execute,
payment/status, general/searchTransaction, payment/refund) with bKash-shaped
JSON and a plain-HTML payer page at each payment's ``bkashURL`` (Pay, Cancel,
Fail), which redirects the browser to ``callbackURL?paymentID=..&status=..``.
Tests "pay" with ``sim.approve(payment_id)`` (or GET the bkashURL with
``&action=pay``), switch on trouble through ``sim.scenario`` and look inside
with ``sim.payments()`` and ``sim.requests()``. ``sim.make_ipn`` builds an SNS
IPN signed with a throwaway key, plus the certificate to verify it.

``manage.py bkash_simulator`` calls ``main(argv)`` (or ``serve(...)``).
"""

import argparse
import secrets
import threading
import time
from http.server import ThreadingHTTPServer

from core.billing.gateways import bkash
from core.billing.gateways.bkash_sim_api import SimApi
from core.billing.gateways.bkash_sim_http import SimHandler
from core.billing.gateways.bkash_sim_ipn import make_ipn
from core.billing.gateways.bkash_sim_state import Scenario, SimPayment, SimRequest

__all__ = ["BkashSimulator", "Scenario", "SimPayment", "SimRequest", "main", "serve"]

DEFAULT_BASE_PATH = "/v1.2.0-beta"


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a held execute must not keep stop() waiting
    allow_reuse_address = True

    def __init__(self, address, sim: "BkashSimulator"):
        self.sim = sim
        super().__init__(address, SimHandler)


class BkashSimulator(SimApi):
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        base_path: str = DEFAULT_BASE_PATH,
        app_key: str = bkash.DEFAULT_APP_KEY,
        app_secret: str = bkash.DEFAULT_APP_SECRET,
        username: str = bkash.DEFAULT_USERNAME,
        password: str = bkash.DEFAULT_PASSWORD,
    ):
        self.host, self.port = host, port
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.app_key, self.app_secret, self.username, self.password = app_key, app_secret, username, password
        self.scenario = Scenario()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._payments: dict[str, SimPayment] = {}
        self._by_trx: dict[str, SimPayment] = {}
        self._used_ids: set[str] = set()
        self._tokens: dict[str, float] = {}  # id_token -> monotonic expiry
        self._refresh_tokens: set[str] = set()
        self._log: list[SimRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------

    def start(self) -> "BkashSimulator":
        self.stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="bkash-sim", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # wakes held executes
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "BkashSimulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What BKASH_BASE_URL should be to talk to this simulator."""
        return self.root_url + self.base_path

    # --- the payer, without a browser ---------------------------------------------

    def approve(self, payment_id: str, *, msisdn: str = "01700000001") -> str:
        """The payer enters PIN and OTP; returns the callback URL the browser would be sent to."""
        return self.payer_action(payment_id, "pay", msisdn=msisdn)

    def cancel(self, payment_id: str) -> str:
        return self.payer_action(payment_id, "cancel")

    def fail(self, payment_id: str) -> str:
        return self.payer_action(payment_id, "fail")

    # --- inspection ---------------------------------------------------------------

    def payments(self) -> list[SimPayment]:
        with self.lock:
            return [SimPayment(**{**p.__dict__, "refunds": list(p.refunds)}) for p in self._payments.values()]

    def payment(self, payment_id: str) -> SimPayment:
        return next(p for p in self.payments() if p.payment_id == payment_id)

    def requests(self, endpoint: str | None = None) -> list[SimRequest]:
        with self.lock:
            return [r for r in self._log if endpoint is None or r.endpoint == endpoint]

    def revoke_tokens(self) -> None:
        """bKash forgets every token it issued (the next call gets "Unauthorized")."""
        with self.lock:
            self._tokens.clear()
            self._refresh_tokens.clear()

    def make_ipn(self, payment: "str | SimPayment", **kwargs) -> tuple[dict, bytes]:
        """A signed SNS IPN for the payment and the PEM certificate that verifies it."""
        payment_id = payment if isinstance(payment, str) else payment.payment_id
        return make_ipn(self.payment(payment_id), **kwargs)

    # --- helpers for SimApi and SimHandler ----------------------------------------

    def new_id(self, prefix: str, length: int) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
        while True:
            value = prefix + "".join(secrets.choice(alphabet) for _ in range(length))
            if value not in self._used_ids:  # trxIDs and paymentIDs are never reused
                self._used_ids.add(value)
                return value

    def now_text(self) -> str:
        # bKash's own format, in Dhaka time.
        now = time.time()
        dhaka = time.gmtime(now + 6 * 3600)
        return time.strftime("%Y-%m-%dT%H:%M:%S", dhaka) + f":{int(now * 1000) % 1000:03d} GMT+0600"


def serve(*, host: str = "127.0.0.1", port: int = bkash.DEFAULT_SIMULATOR_PORT, **credentials) -> None:
    """Run a simulator in the foreground until Ctrl-C (for ``manage.py bkash_simulator``)."""
    sim = BkashSimulator(host=host, port=port, **credentials).start()
    print(f"bKash simulator at {sim.base_url} (merchant {sim.username}); Ctrl-C stops it.", flush=True)  # noqa: T201
    try:
        while sim._thread is not None and sim._thread.is_alive():
            sim._thread.join(timeout=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bkash_simulator", description="A loopback bKash tokenized checkout.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=bkash.DEFAULT_SIMULATOR_PORT)
    parser.add_argument("--base-path", default=DEFAULT_BASE_PATH)
    parser.add_argument("--username", default=bkash.DEFAULT_USERNAME)
    parser.add_argument("--password", default=bkash.DEFAULT_PASSWORD)
    parser.add_argument("--app-key", default=bkash.DEFAULT_APP_KEY)
    parser.add_argument("--app-secret", default=bkash.DEFAULT_APP_SECRET)
    args = parser.parse_args(argv)
    serve(
        host=args.host,
        port=args.port,
        base_path=args.base_path,
        username=args.username,
        password=args.password,
        app_key=args.app_key,
        app_secret=args.app_secret,
    )


if __name__ == "__main__":
    main()
