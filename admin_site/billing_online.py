"""Class packs (catalogue, selling at the desk), class credits, bKash
checkouts and bKash webhook events in the admin. Credits, checkouts and
events are records written by services; the pages here only read them, and
the actions call core.billing services."""

import json

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import F, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from admin_site.action_forms import detail_action_with_form
from admin_site.base import GymModelAdmin
from admin_site.billing_base import ReadOnlyMixin, ReadOnlyRecordAdmin, invoice_link, member_link
from admin_site.billing_forms import ClassPackSellForm
from core.billing.models import BkashCheckout, ClassCredit, ClassPack, WebhookEvent
from core.billing.services import webhooks
from core.billing.services.purchases import class_pack_buy
from core.common.money import format_money
from core.common.queue import enqueue


@admin.register(ClassPack)
class ClassPackAdmin(GymModelAdmin):
    """The catalogue. A pack that was ever sold cannot be deleted (its invoice
    lines protect it): deactivate it instead."""

    list_display = ["name", "credits", "price_display", "validity_days", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    fields = ["name", "credits", "price", "validity_days", "is_active"]
    actions_detail = ["sell"]

    @display(description="Price", ordering="price")
    def price_display(self, pack):
        return format_money(pack.price)

    def has_sell_permission(self, request, obj=None):
        return request.user.has_perm("billing.add_invoice")

    @action(description="Sell to a member", url_path="sell", permissions=["sell"], icon="shopping_cart")
    def sell(self, request, object_id):
        pack = self.get_object(request, object_id)
        if pack is None:
            return redirect("admin:billing_classpack_changelist")
        sold = {}

        def apply(pack, data):
            sold["invoice"] = class_pack_buy(
                member=data["member"], pack=pack, quantity=data["quantity"], by=request.user
            )

        response = detail_action_with_form(
            self, request, pack, form_class=ClassPackSellForm, title=f"Sell “{pack}”",
            intro=f"{pack.credits} class credits for {format_money(pack.price)}, valid {pack.validity_days} days "
            "from payment. This issues the invoice; the credits are granted once it is paid.",
            apply=apply, success="Invoice issued: record the payment when the member pays.",
            back_url=reverse("admin:billing_classpack_change", args=[pack.pk]), submit="Issue the invoice",
        )  # fmt: skip
        if "invoice" in sold:
            return redirect(reverse("admin:billing_invoice_change", args=[sold["invoice"].pk]))
        return response


class CreditStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Usable"), ("used_up", "Used up"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "active":
            return queryset.filter(expires_on__gte=today, used__lt=F("total"))
        if self.value() == "used_up":
            return queryset.filter(used__gte=F("total"))
        if self.value() == "expired":
            return queryset.filter(expires_on__lt=today, used__lt=F("total"))
        return queryset


@admin.register(ClassCredit)
class ClassCreditAdmin(ReadOnlyRecordAdmin):
    list_display = ["member_display", "remaining_display", "total", "used", "expires_on", "note", "source"]
    list_select_related = ["member__user", "invoice_line__invoice"]
    list_filter = [CreditStateFilter, ("expires_on", admin.DateFieldListFilter)]
    search_fields = ["member__code", "member__user__first_name", "member__user__last_name", "note"]
    search_help_text = "Member code or name, or the pack's name"
    fields = ["member_display", "total", "used", "remaining_display", "expires_on", "note", "source", "created_at"]
    readonly_fields = fields

    @display(description="Member", ordering="member__code")
    def member_display(self, credit):
        return member_link(credit.member)

    @display(description="Remaining", label={"ok": "success", "gone": "danger"})
    def remaining_display(self, credit):
        if credit.remaining and credit.expires_on >= timezone.localdate():
            return "ok", str(credit.remaining)
        return "gone", f"{credit.remaining} (expired)" if credit.remaining else "0"

    @display(description="Bought on")
    def source(self, credit):
        return invoice_link(credit.invoice_line.invoice) if credit.invoice_line_id else "-"


class AttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Money taken, not booked"), ("note", "Has a note")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=BkashCheckout.Status.COMPLETED, payment__isnull=True)
        if self.value() == "note":
            return queryset.exclude(last_error="")
        return queryset


@admin.register(BkashCheckout)
class BkashCheckoutAdmin(ReadOnlyRecordAdmin):
    """Attempts to pay online. "Money taken, not booked" ones were completed on
    bKash but could not be recorded automatically (the note says why): staff
    check them and record or refund by hand."""

    list_display = [
        "created_at", "bkash_payment_id", "invoice_display", "amount_display", "status", "trx_id", "payment",
        "attention", "short_note",
    ]  # fmt: skip
    list_select_related = ["invoice", "payment"]
    list_filter = [AttentionFilter, "status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["bkash_payment_id", "trx_id", "invoice__number"]
    search_help_text = "bKash paymentID or trxID, or invoice number"
    fields = [
        "invoice_display", "bkash_payment_id", "amount_display", "status", "trx_id", "payment", "attention", "note",
        "started_by", "bkash_url", "created_at", "updated_at",
    ]  # fmt: skip
    readonly_fields = fields

    @display(description="Invoice", ordering="invoice__number")
    def invoice_display(self, checkout):
        return invoice_link(checkout.invoice)

    @display(description="Amount", ordering="amount")
    def amount_display(self, checkout):
        return format_money(checkout.amount)

    @display(description="Attention", label={"urgent": "danger", "note": "warning"})
    def attention(self, checkout):
        if checkout.status == BkashCheckout.Status.COMPLETED and checkout.payment_id is None:
            return "urgent", "Money taken, not booked"  # the note (last_error) says why, on the page
        if checkout.last_error:
            return "note", "Note"
        return "-"

    @display(description="Note for staff")
    def note(self, checkout):
        return checkout.last_error or "-"

    @display(description="Note")
    def short_note(self, checkout):
        text = checkout.last_error
        return (text[:60] + "…") if len(text) > 60 else text


class ProcessedFilter(admin.SimpleListFilter):
    title = "processed"
    parameter_name = "processed"

    def lookups(self, request, model_admin):
        return [("no", "Not processed"), ("gave_up", "Retries used up"), ("yes", "Processed")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(processed_at__isnull=True)
        if self.value() == "gave_up":
            return queryset.filter(processed_at__isnull=True, attempts__gte=webhooks.MAX_ATTEMPTS)
        if self.value() == "yes":
            return queryset.filter(processed_at__isnull=False)
        return queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyMixin, ModelAdmin):
    """Incoming webhooks, stored before processing. Unprocessed ones are
    retried by the bKash sweep; "Retry processing" queues them now (also
    those whose retries are used up, once the cause is fixed)."""

    list_display = ["received_at", "source", "event_id", "attempts", "processed", "short_error"]
    list_filter = [ProcessedFilter, "source", ("received_at", admin.DateFieldListFilter)]
    search_fields = ["event_id"]
    date_hierarchy = "received_at"
    list_per_page = 50
    show_full_result_count = False
    fields = ["source", "event_id", "received_at", "attempts", "processed_at", "last_error", "payload_pretty"]
    readonly_fields = fields
    actions = ["retry"]

    @display(description="Processed", ordering="processed_at", label={"done": "success", "waiting": "warning"})
    def processed(self, event):
        if event.processed_at:
            return "done", f"{timezone.localtime(event.processed_at):%d %b %H:%M}"
        return "waiting", "not yet"

    @display(description="Last error / note")
    def short_error(self, event):
        return (event.last_error[:80] + "…") if len(event.last_error) > 80 else event.last_error

    @display(description="Payload")
    def payload_pretty(self, event):
        return format_html("<pre class='whitespace-pre-wrap'>{}</pre>", json.dumps(event.payload, indent=2))

    def has_retry_permission(self, request, obj=None):
        return request.user.has_perm("billing.change_webhookevent")

    @action(description="Retry processing", permissions=["retry"])
    def retry(self, request, queryset):
        waiting = list(queryset.filter(processed_at__isnull=True).values_list("pk", flat=True))
        # Queued for the worker (after commit), not run here: processing may wait on bKash for a while.
        with transaction.atomic():
            for pk in waiting:
                enqueue(webhooks.PROCESS_TASK, pk)
        skipped = queryset.filter(~Q(pk__in=waiting)).count()
        if waiting:
            self.message_user(request, f"{len(waiting)} event(s) queued for processing.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} event(s) were already processed; left alone.", messages.INFO)
