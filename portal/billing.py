"""Member portal: my invoices and receipts (pages and PDFs), paying with bKash,
renewing and buying class packs. A member only ever reaches their own
invoices: anything else is a 404, so numbers cannot be probed."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.accounts.models import User
from core.billing.models import BkashCheckout, ClassPack, Invoice, Payment
from core.billing.services.documents import invoice_pdf_current, payment_receipt_current
from core.billing.services.online import bkash_checkout_start, class_pack_buy_online
from core.billing.services.purchases import membership_renew_invoiced
from core.members.models import Member
from core.memberships.services import membership_latest
from portal.access import role_required
from portal.files import pdf_response

member_only = role_required(User.Role.MEMBER)


def _my_member(request) -> Member | None:
    return Member.objects.filter(user=request.user).first()


def _my_invoices(request):
    member = _my_member(request)
    return Invoice.objects.filter(member=member) if member else Invoice.objects.none()


def _callback_url(request) -> str:
    return request.build_absolute_uri(reverse("bkash_callback"))


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _pay_with_bkash(request, invoice: Invoice):
    """Start (or reuse) the bKash payment and send the browser to bKash's page."""
    try:
        checkout = bkash_checkout_start(invoice=invoice, started_by=request.user, callback_url=_callback_url(request))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("portal:invoice_detail", number=invoice.number)
    return redirect(checkout.bkash_url)


@member_only
@never_cache
@require_GET
def invoice_list(request):
    invoices = _my_invoices(request).order_by("-issued_on", "-number")
    return render(request, "portal/billing/invoice_list.html", {"invoices": invoices})


@member_only
@never_cache
@require_GET
def invoice_detail(request, number: str):
    invoice = get_object_or_404(
        _my_invoices(request).prefetch_related(
            "lines", Prefetch("payments", queryset=Payment.objects.order_by("received_at"))
        ),
        number=number,
    )
    waiting = invoice.bkash_checkouts.filter(status=BkashCheckout.Status.INITIATED).exclude(bkash_url="").first()
    can_pay = invoice.status in (Invoice.Status.ISSUED, Invoice.Status.PARTIAL) and invoice.balance > 0
    return render(
        request, "portal/billing/invoice_detail.html", {"invoice": invoice, "can_pay": can_pay, "waiting": waiting}
    )


@member_only
@require_GET
def invoice_pdf(request, number: str):
    invoice = get_object_or_404(_my_invoices(request), number=number)
    invoice = invoice_pdf_current(invoice)
    return pdf_response(invoice.pdf, filename=f"{invoice.number}.pdf")


@member_only
@require_GET
def receipt_pdf(request, receipt_number: str):
    member = _my_member(request)
    if member is None:
        raise Http404("No receipt.")
    payment = get_object_or_404(Payment, receipt_number=receipt_number, invoice__member=member)
    payment = payment_receipt_current(payment)
    return pdf_response(payment.receipt_pdf, filename=f"{payment.receipt_number}.pdf")


@member_only
@require_POST
def invoice_pay(request, number: str):
    invoice = get_object_or_404(_my_invoices(request), number=number)
    return _pay_with_bkash(request, invoice)


@member_only
@require_POST
def renew(request):
    """ "Renew with bKash": the next term's invoice (or the unpaid one), then bKash."""
    member = _my_member(request)
    if member is None:
        messages.error(request, "Your account has no membership profile; please ask the front desk.")
        return redirect("portal:member_home")
    if membership_latest(member=member) is None:
        messages.error(request, "You have no membership to renew yet; the front desk will help you choose a plan.")
        return redirect("portal:member_home")
    try:
        membership = membership_renew_invoiced(member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("portal:member_home")
    return _pay_with_bkash(request, membership.invoice)


@member_only
@require_GET
def class_pack_list(request):
    packs = ClassPack.objects.filter(is_active=True).order_by("credits", "price")
    return render(request, "portal/billing/class_packs.html", {"packs": packs})


@member_only
@require_POST
def class_pack_buy(request, pk: int):
    pack = get_object_or_404(ClassPack, pk=pk, is_active=True)
    member = _my_member(request)
    if member is None:
        messages.error(request, "Your account has no membership profile; please ask the front desk.")
        return redirect("portal:class_packs")
    try:
        invoice = class_pack_buy_online(member=member, pack=pack, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("portal:class_packs")
    return _pay_with_bkash(request, invoice)
