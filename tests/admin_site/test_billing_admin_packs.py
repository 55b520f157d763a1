"""Class packs and class credits in the admin: selling a pack at the desk, deleting one, the credit filter."""

from decimal import Decimal

import pytest
from django.utils import timezone

from core.billing.models import ClassCredit, Invoice, InvoiceLine
from core.billing.services.payments import payment_record
from core.billing.services.purchases import class_pack_buy
from tests.admin_site.billing_support import INVOICES
from tests.core.billing.builders import days, make_member, make_pack, reload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# --- class packs and credits --------------------------------------------------------


def test_selling_a_class_pack_at_the_desk_issues_its_invoice(client, support_user):
    # given
    member = make_member()
    pack = make_pack(credits=10, price="2000.00")
    client.force_login(support_user)
    # when
    response = client.post(
        f"/admin/billing/classpack/{pack.pk}/sell/", {"_apply": "1", "member_code": member.code, "quantity": "1"}
    )
    # then
    invoice = Invoice.objects.get(member=member)
    assert response.status_code == 302
    assert response.url == f"{INVOICES}{invoice.pk}/change/"
    assert invoice.lines.get().kind == InvoiceLine.Kind.CLASS_PACK
    assert invoice.total == Decimal("2000.00")


def test_a_sold_class_pack_cannot_be_deleted(client, admin_user):
    # given
    pack = make_pack()
    class_pack_buy(member=make_member(), pack=pack)
    unsold = make_pack()
    client.force_login(admin_user)
    # when
    refused = client.post(f"/admin/billing/classpack/{pack.pk}/delete/", {"post": "yes"})
    deleted = client.post(f"/admin/billing/classpack/{unsold.pk}/delete/", {"post": "yes"})
    # then
    assert refused.status_code == 200
    assert "Cannot delete" in refused.content.decode()
    assert reload(pack).pk == pack.pk
    assert deleted.status_code == 302
    assert not type(unsold).objects.filter(pk=unsold.pk).exists()


def test_credit_filter_tells_usable_from_expired(client, support_user):
    # given
    member = make_member(first_name="Usable")
    paid = class_pack_buy(member=member, pack=make_pack())
    payment_record(invoice=paid, amount=paid.total)
    stale_member = make_member(first_name="Stale")
    stale = class_pack_buy(member=stale_member, pack=make_pack())
    payment_record(invoice=stale, amount=stale.total)
    ClassCredit.objects.filter(member=stale_member).update(expires_on=timezone.localdate() - days(1))
    client.force_login(support_user)
    # when
    usable = client.get("/admin/billing/classcredit/?state=active").content.decode()
    expired = client.get("/admin/billing/classcredit/?state=expired").content.decode()
    # then
    assert member.code in usable and stale_member.code not in usable
    assert stale_member.code in expired and member.code not in expired
