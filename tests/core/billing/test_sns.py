import datetime as dt
import json
from decimal import Decimal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from core.billing.gateways.bkash_sim_ipn import make_ipn, sign, throwaway_signer
from core.billing.gateways.bkash_sim_state import COMPLETED, SimPayment
from core.billing.gateways.sns import SnsVerificationError, string_to_sign, verify_sns_message


def completed_payment() -> SimPayment:
    return SimPayment(
        payment_id="TR0011ABCDEFGHJKLMNP",
        amount=Decimal("1500.00"),
        currency="BDT",
        invoice_number="INV-2026-000042",
        payer_reference="01712345678",
        callback_url="http://127.0.0.1:9/cb",
        hash="h",
        created_at="2026-05-01T10:00:00:000 GMT+0600",
        state=COMPLETED,
        trx_id="9G9106K7ET",
        customer_msisdn="01712345678",
    )


class CertificateShop:
    """fetch_certificate for tests: hands out one PEM and remembers what was asked."""

    def __init__(self, pem: bytes):
        self.pem = pem
        self.asked: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.asked.append(url)
        return self.pem


def other_certificate() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_a_genuine_notification_verifies_and_carries_the_ipn():
    # given
    body, pem = make_ipn(completed_payment())
    shop = CertificateShop(pem)

    # when
    message = verify_sns_message(body, fetch_certificate=shop)

    # then
    assert shop.asked == [body["SigningCertURL"]]
    assert (message.type, message.message_id) == ("Notification", body["MessageId"])
    payload = message.payload()
    assert (payload["trxID"], payload["amount"], payload["merchantInvoiceNumber"]) == (
        "9G9106K7ET",
        "1500.00",
        "INV-2026-000042",
    )


def test_the_signed_text_follows_the_sns_field_order():
    # given
    body = {
        "Type": "Notification",
        "MessageId": "m1",
        "TopicArn": "arn:t",
        "Timestamp": "2026-01-01T00:00:00Z",
        "Message": "hello",
        "Subject": "s",
        "UnsubscribeURL": "https://x",
    }

    # when / then
    assert string_to_sign(body) == (
        b"Message\nhello\nMessageId\nm1\nSubject\ns\nTimestamp\n2026-01-01T00:00:00Z\nTopicArn\narn:t\nType\nNotification\n"
    )
    del body["Subject"]
    assert b"Subject" not in string_to_sign(body)


def test_a_subscription_confirmation_verifies_with_its_token_and_url():
    # given
    body, pem = make_ipn(completed_payment(), message_type="SubscriptionConfirmation")

    # when
    message = verify_sns_message(body, fetch_certificate=CertificateShop(pem))

    # then
    assert message.type == "SubscriptionConfirmation"
    assert message.subscribe_url == body["SubscribeURL"]
    assert b"Token\n" in string_to_sign(body)


def test_signature_version_2_uses_sha256_and_verifies():
    body, pem = make_ipn(completed_payment(), signature_version="2")
    assert verify_sns_message(body, fetch_certificate=CertificateShop(pem)).type == "Notification"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b: b.update(Message=json.dumps({**json.loads(b["Message"]), "amount": "15000.00"})),
        lambda b: b.update(TopicArn="arn:aws:sns:ap-southeast-1:999999999999:other"),
        lambda b: b.update(Type="SubscriptionConfirmation", Token="t", SubscribeURL="https://x"),
        lambda b: b.update(Signature=b["Signature"][:-8] + "AAAAAAA="),
    ],
)
def test_a_tampered_message_is_refused(tamper):
    # given
    body, pem = make_ipn(completed_payment())
    tamper(body)

    # when / then
    with pytest.raises(SnsVerificationError):
        verify_sns_message(body, fetch_certificate=CertificateShop(pem))


def test_a_message_signed_with_another_key_is_refused():
    body, _ = make_ipn(completed_payment())
    with pytest.raises(SnsVerificationError, match="does not match"):
        verify_sns_message(body, fetch_certificate=CertificateShop(other_certificate()))


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.ap-southeast-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem",
        "https://evil.example/sns.ap-southeast-1.amazonaws.com/x.pem",
        "https://s3.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.ap-southeast-1.amazonaws.com:8443/SimpleNotificationService-x.pem",
        "https://user@sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.ap-southeast-1.amazonaws.com/not-a-certificate.txt",
        "",
    ],
)
def test_a_certificate_from_anywhere_but_aws_sns_is_refused_unfetched(url):
    # given: a message correctly signed, but pointing at a certificate elsewhere
    body, pem = make_ipn(completed_payment())
    key, _ = throwaway_signer()
    body = sign({**body, "SigningCertURL": url}, key)
    shop = CertificateShop(pem)

    # when
    with pytest.raises(SnsVerificationError, match="certificate"):
        verify_sns_message(body, fetch_certificate=shop)

    # then
    assert shop.asked == []


@pytest.mark.parametrize("version", ["3", "", None])
def test_an_unsupported_signature_version_is_refused(version):
    # given
    body, pem = make_ipn(completed_payment())
    body["SignatureVersion"] = version

    # when / then
    with pytest.raises(SnsVerificationError, match="SignatureVersion"):
        verify_sns_message(body, fetch_certificate=CertificateShop(pem))


def test_an_unsigned_message_is_refused():
    body, pem = make_ipn(completed_payment())
    body["Signature"] = ""
    with pytest.raises(SnsVerificationError, match="not signed"):
        verify_sns_message(body, fetch_certificate=CertificateShop(pem))


def test_an_expired_certificate_is_refused():
    body, pem = make_ipn(completed_payment())
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    with pytest.raises(SnsVerificationError, match="not valid now"):
        verify_sns_message(body, fetch_certificate=CertificateShop(pem), now=later)
