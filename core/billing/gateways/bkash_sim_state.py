"""The simulator's state: payments, scenario switches and the request log."""

from dataclasses import dataclass, field
from decimal import Decimal

INITIATED, APPROVED, COMPLETED, CANCELLED, FAILED = "INITIATED", "APPROVED", "COMPLETED", "CANCELLED", "FAILED"
# What bKash's API calls each state (approval is invisible to the merchant until execute).
TRANSACTION_STATUS = {
    INITIATED: "Initiated",
    APPROVED: "Initiated",
    COMPLETED: "Completed",
    CANCELLED: "Cancelled",
    FAILED: "Failed",
}
CALLBACK_STATUS = {"pay": "success", "cancel": "cancel", "fail": "failure"}


@dataclass
class Scenario:
    """Trouble to switch on in a test; each applies to later requests."""

    insufficient_balance: bool = False  # execute answers 2023 and the payment fails
    maintenance: bool = False  # every API call answers HTTP 503
    execute_delay: float = 0.0  # execute completes at once but answers this many seconds later
    reject_credentials: bool = False  # grant and refresh answer Unauthorized whatever is sent
    token_expires_in: int = 3600  # what grant and refresh announce (and enforce)


@dataclass
class SimPayment:
    payment_id: str
    amount: Decimal
    currency: str
    invoice_number: str
    payer_reference: str
    callback_url: str
    hash: str = field(repr=False)
    created_at: str
    state: str = INITIATED
    trx_id: str | None = None
    executed_at: str | None = None
    customer_msisdn: str = ""
    execute_calls: int = 0
    executing: bool = False
    refunds: list[dict] = field(default_factory=list)

    @property
    def transaction_status(self) -> str:
        return TRANSACTION_STATUS[self.state]

    @property
    def refunded(self) -> Decimal:
        return sum((Decimal(r["amount"]) for r in self.refunds), Decimal("0.00"))


@dataclass(frozen=True)
class SimRequest:
    """One API call as the simulator saw it (password and app_secret left out)."""

    endpoint: str
    body: dict
    authorization: str
    http_status: int
    status_code: str
