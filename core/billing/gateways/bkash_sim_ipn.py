"""Signed SNS IPN bodies for the bKash simulator, with a throwaway test key.

The body is what AWS SNS would POST to ``/webhooks/bkash/`` for a bKash
payment; the PEM certificate is what ``fetch_certificate`` must return for
its ``SigningCertURL`` so that ``verify_sns_message`` accepts it.
"""

import base64
import datetime as dt
import functools
import json
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from core.billing.gateways.bkash_sim_state import SimPayment
from core.billing.gateways.sns import HASHES, string_to_sign

DEFAULT_REGION = "ap-southeast-1"


@functools.cache
def throwaway_signer() -> tuple[rsa.RSAPrivateKey, bytes]:
    """One key and self-signed certificate per process (generating a key costs ~50 ms)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com (GymOS test)")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.PEM)


def ipn_message(payment: SimPayment) -> dict:
    """bKash's IPN payload (the JSON inside the SNS ``Message``)."""
    return {
        "dateTime": dt.datetime.now(dt.timezone(dt.timedelta(hours=6))).strftime("%Y%m%d%H%M%S"),
        "debitMSISDN": payment.customer_msisdn,
        "creditOrganizationName": "GymOS Simulator Merchant",
        "creditShortCode": "50022",
        "trxID": payment.trx_id or "",
        "transactionStatus": payment.transaction_status,
        "transactionType": "10003",
        "amount": str(payment.amount),
        "currency": payment.currency,
        "transactionReference": payment.payer_reference,
        "merchantInvoiceNumber": payment.invoice_number,
    }


def sign(body: dict, key: rsa.RSAPrivateKey) -> dict:
    version = str(body.get("SignatureVersion", "1"))
    signature = key.sign(string_to_sign(body), padding.PKCS1v15(), HASHES[version]())
    return {**body, "Signature": base64.b64encode(signature).decode()}


def make_ipn(
    payment: SimPayment,
    *,
    message_type: str = "Notification",
    region: str = DEFAULT_REGION,
    topic_arn: str | None = None,
    signature_version: str = "1",
    message: dict | None = None,
) -> tuple[dict, bytes]:
    """(SNS body, PEM certificate). ``message`` overrides fields of the IPN payload."""
    key, pem = throwaway_signer()
    topic_arn = topic_arn or f"arn:aws:sns:{region}:123456789012:bkash-ipn-gymos"
    endpoint = f"https://sns.{region}.amazonaws.com"
    body = {
        "Type": message_type,
        "MessageId": str(uuid.uuid4()),
        "TopicArn": topic_arn,
        "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "SignatureVersion": signature_version,
        "SigningCertURL": f"{endpoint}/SimpleNotificationService-gymos-test.pem",
    }
    if message_type == "Notification":
        body["Message"] = json.dumps({**ipn_message(payment), **(message or {})})
        body["UnsubscribeURL"] = f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={topic_arn}:{uuid.uuid4()}"
    else:
        token = uuid.uuid4().hex * 2
        body["Token"] = token
        body["Message"] = f"You have chosen to subscribe to the topic {topic_arn}.\nTo confirm, visit the SubscribeURL."
        body["SubscribeURL"] = f"{endpoint}/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={token}"
    return sign(body, key), pem
