"""What bKash can answer instead of a result, as one exception type.

bKash says "no" three ways: a non-"0000" ``statusCode`` with ``statusMessage``,
``{errorCode, errorMessage}``, or ``{"message": "Unauthorized"}``; plus plain
HTTP errors and silence. All of them become ``BkashError(code, message)`` with
a message a gym admin can act on; bKash's own words are kept in
``bkash_message``. ``BkashTimeout`` means the outcome is unknown: the caller
must query the payment's status before deciding anything.
"""

# code -> a message for a person. Codes from bKash's tokenized checkout error list.
HUMAN_MESSAGES: dict[str, str] = {
    "2001": "bKash did not accept the gym's app key; check the BKASH_APP_KEY setting.",
    "2002": "bKash does not know this payment.",
    "2006": "bKash refused the amount.",
    "2007": "bKash refused the currency.",
    "2023": "The payer's bKash account does not have enough balance for this payment.",
    "2026": "The refund is larger than what is left of the original payment.",
    "2033": "bKash found no transaction with this ID.",
    "2056": "The payment is not in a state that allows this: the payer may not have approved it yet, "
    "or it was cancelled or failed.",
    "2062": "This payment has already been completed.",
    "2068": "This transaction has already been completed.",
    "2069": "This transaction has already been cancelled.",
    "2117": "This payment was already executed once; check its status instead of executing it again.",
    "503": "bKash is under maintenance; please try again later.",
    "unauthorized": "bKash refused the gym's merchant credentials; check BKASH_USERNAME, BKASH_PASSWORD, "
    "BKASH_APP_KEY and BKASH_APP_SECRET.",
    "timeout": "bKash did not answer in time. The payment may still have gone through: "
    "check its status before trying again.",
    "no_response": "The connection to bKash broke before it answered. The payment may still have gone through: "
    "check its status before trying again.",
    "unreachable": "Could not reach bKash; please try again shortly.",
    "bad_response": "bKash sent a reply that could not be understood; check the payment's status.",
    "not_configured": "bKash is not set up: BKASH_BASE_URL, BKASH_USERNAME, BKASH_PASSWORD, BKASH_APP_KEY "
    "and BKASH_APP_SECRET are needed.",
}
ALREADY_COMPLETED_CODES = frozenset({"2062", "2068"})
# After these the request may or may not have been carried out.
UNKNOWN_OUTCOME_CODES = frozenset({"timeout", "no_response", "bad_response"})


class BkashError(Exception):
    """bKash did not do what was asked (or we cannot tell: see ``outcome_unknown``)."""

    def __init__(self, code: str, message: str, *, bkash_message: str = "", http_status: int | None = None):
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.bkash_message = bkash_message
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.message} (bKash {self.code})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    @property
    def already_completed(self) -> bool:
        return self.code in ALREADY_COMPLETED_CODES

    @property
    def outcome_unknown(self) -> bool:
        """True when the request may have been carried out anyway (query before deciding)."""
        return self.code in UNKNOWN_OUTCOME_CODES or (self.http_status or 0) in (500, 502, 504)


class BkashTimeout(BkashError):
    """No answer in time (or the connection dropped): query the status to learn what happened."""


class BkashAuthError(BkashError):
    """bKash refused the token or the merchant credentials."""


def error_for(code: str, bkash_message: str = "", *, http_status: int | None = None) -> BkashError:
    code = str(code).strip()
    cls = (
        BkashTimeout if code in ("timeout", "no_response") else BkashAuthError if code == "unauthorized" else BkashError
    )
    human = HUMAN_MESSAGES.get(code)
    if human is None:
        human = f"bKash refused the request: {bkash_message}" if bkash_message else "bKash refused the request."
    return cls(code, human, bkash_message=bkash_message, http_status=http_status)
