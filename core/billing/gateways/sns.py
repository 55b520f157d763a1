"""Verify an AWS SNS message (how bKash delivers its IPN) before trusting it.

SNS signs "Key\\nValue\\n" pairs of chosen fields in a fixed order with the
private key of a certificate it serves from ``SigningCertURL``: SHA1withRSA
for SignatureVersion 1, SHA256withRSA for 2. The URL must be https on
``sns.<region>.amazonaws.com``, or anyone could sign with their own key. The
certificate fetch is injectable, so tests sign with a key of their own.
"""

import base64
import binascii
import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.request import urlopen

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# The fields signed, in the order SNS signs them (absent optional ones are skipped).
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SUBSCRIPTION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
SIGNED_FIELDS = {
    "Notification": NOTIFICATION_FIELDS,
    "SubscriptionConfirmation": SUBSCRIPTION_FIELDS,
    "UnsubscribeConfirmation": SUBSCRIPTION_FIELDS,
}
OPTIONAL_FIELDS = {"Subject"}
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}  # noqa: S303 - SHA1 is what SignatureVersion 1 is
CERT_HOST = re.compile(r"^sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$")
CERT_FETCH_TIMEOUT = 10
MAX_CERT_BYTES = 64 * 1024


class SnsVerificationError(ValueError):
    """The message is not a genuine SNS message; answer 403 and store nothing."""


@dataclass(frozen=True)
class SnsMessage:
    type: str
    message_id: str
    topic_arn: str
    timestamp: str
    message: str
    subscribe_url: str = ""

    def payload(self) -> dict:
        """``Message`` parsed as JSON (bKash puts the transaction there)."""
        try:
            data = json.loads(self.message)
        except ValueError as exc:
            raise SnsVerificationError("The SNS Message is not JSON.") from exc
        if not isinstance(data, dict):
            raise SnsVerificationError("The SNS Message is not a JSON object.")
        return data


def string_to_sign(body: dict) -> bytes:
    """The exact bytes SNS signs for this message."""
    message_type = body.get("Type")
    fields = SIGNED_FIELDS.get(message_type)
    if fields is None:
        raise SnsVerificationError(f"Unknown SNS message type “{message_type}”.")
    parts = []
    for name in fields:
        value = body.get(name)
        if value is None:
            if name in OPTIONAL_FIELDS:
                continue
            raise SnsVerificationError(f"The SNS message has no {name}.")
        if not isinstance(value, str):
            raise SnsVerificationError(f"The SNS field {name} is not text.")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode()


def check_cert_url(url: object) -> str:
    if not isinstance(url, str) or not url:
        raise SnsVerificationError("The SNS message names no signing certificate (SigningCertURL).")
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise SnsVerificationError("The SNS signing certificate must come over https.")
    if parts.username or parts.password or parts.port not in (None, 443):
        raise SnsVerificationError("The SNS signing certificate URL is not a plain AWS address.")
    if not CERT_HOST.match(parts.hostname or ""):
        raise SnsVerificationError(f"The SNS signing certificate is not hosted by AWS SNS ({parts.hostname}).")
    if not parts.path.endswith(".pem"):
        raise SnsVerificationError("The SNS signing certificate URL does not name a .pem file.")
    return url


@functools.lru_cache(maxsize=16)
def fetch_certificate_https(url: str) -> bytes:
    """Production fetch: the URL was checked to be https on sns.<region>.amazonaws.com."""
    with urlopen(check_cert_url(url), timeout=CERT_FETCH_TIMEOUT) as response:  # noqa: S310 - https checked
        return response.read(MAX_CERT_BYTES)


def verify_sns_message(
    body: dict, *, fetch_certificate: Callable[[str], bytes] = fetch_certificate_https, now: dt.datetime | None = None
) -> SnsMessage:
    """Check the signature of an SNS message; return it, or raise SnsVerificationError."""
    if not isinstance(body, dict):
        raise SnsVerificationError("The SNS message is not a JSON object.")
    version = str(body.get("SignatureVersion", ""))
    if version not in HASHES:
        raise SnsVerificationError(f"SNS SignatureVersion “{version}” is not supported (only 1 and 2).")
    url = check_cert_url(body.get("SigningCertURL"))
    signed = string_to_sign(body)
    try:
        signature = base64.b64decode(str(body.get("Signature", "")), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SnsVerificationError("The SNS Signature is not base64.") from exc
    if not signature:
        raise SnsVerificationError("The SNS message is not signed.")
    try:
        certificate = x509.load_pem_x509_certificate(fetch_certificate(url))
    except ValueError as exc:
        raise SnsVerificationError("The SNS signing certificate could not be read.") from exc
    now = now or dt.datetime.now(dt.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SnsVerificationError("The SNS signing certificate is not valid now.")
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SnsVerificationError("The SNS signing certificate does not hold an RSA key.")
    try:
        public_key.verify(signature, signed, padding.PKCS1v15(), HASHES[version]())
    except InvalidSignature as exc:
        raise SnsVerificationError("The SNS signature does not match the message.") from exc
    return SnsMessage(
        type=body["Type"],
        message_id=str(body["MessageId"]),
        topic_arn=str(body["TopicArn"]),
        timestamp=str(body["Timestamp"]),
        message=str(body["Message"]),
        subscribe_url=str(body.get("SubscribeURL", "")),
    )
