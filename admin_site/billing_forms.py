"""Forms of the billing admin pages: they read input; core.billing services decide."""

from django import forms
from django.core.exceptions import ValidationError
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from core.billing.models import Payment
from core.billing.services.invoices import LineSpec
from core.members.models import Member

LINE_ROWS = 5  # line rows on the issue and correct pages


def _money_field(label: str, **kwargs) -> forms.DecimalField:
    # No min_value: the services say what is wrong with zero or negative amounts.
    return forms.DecimalField(
        label=label, max_digits=12, decimal_places=2, widget=UnfoldAdminDecimalFieldWidget, **kwargs
    )


class RecordPaymentForm(forms.Form):
    amount = _money_field("Amount received")
    method = forms.ChoiceField(
        choices=Payment.Method.choices, initial=Payment.Method.CASH, widget=UnfoldAdminSelectWidget
    )
    reference = forms.CharField(
        required=False, max_length=64, widget=UnfoldAdminTextInputWidget,
        help_text="Cash receipt book number, or the bKash trxID when the member paid to the gym's bKash number.",
    )  # fmt: skip
    note = forms.CharField(required=False, max_length=255, widget=UnfoldAdminTextInputWidget)

    def clean(self):
        data = super().clean()
        if data.get("method") == Payment.Method.BKASH and not (data.get("reference") or "").strip():
            self.add_error("reference", "Enter the bKash trxID the member received.")
        return data


class RefundForm(forms.Form):
    amount = _money_field("Amount to give back")
    reason = forms.CharField(
        max_length=255, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}), help_text="Kept in the record."
    )


def with_initial(form_class: type[forms.Form], **initial) -> type[forms.Form]:
    """``form_class`` with ``initial`` values (the action helpers build forms without arguments)."""

    class Prefilled(form_class):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("initial", initial)
            super().__init__(*args, **kwargs)

    Prefilled.__name__ = form_class.__name__
    return Prefilled


def member_by_code(form: forms.Form, field: str, code: str) -> Member | None:
    member = Member.objects.filter(code__iexact=code.strip()).select_related("user").first()
    if member is None:
        form.add_error(field, f"No member has the code “{code.strip()}”.")
    return member


class LinesMixin:
    """LINE_ROWS rows of description, quantity and unit price; empty rows are ignored."""

    def add_line_fields(self) -> None:
        self.rows = []
        for i in range(1, LINE_ROWS + 1):
            self.fields[f"description_{i}"] = forms.CharField(
                label=f"Line {i}", required=False, max_length=200, widget=UnfoldAdminTextInputWidget
            )
            self.fields[f"quantity_{i}"] = forms.IntegerField(
                label="Quantity", required=False, min_value=1, max_value=10_000, widget=UnfoldAdminIntegerFieldWidget
            )
            self.fields[f"unit_price_{i}"] = _money_field("Unit price", required=False)
            self.rows.append((self[f"description_{i}"], self[f"quantity_{i}"], self[f"unit_price_{i}"]))

    # Lines of the invoice being corrected, by row: a kept row keeps its kind and
    # class pack, so a corrected class-pack invoice still grants credits when paid.
    originals: list = []

    def clean_lines(self, data: dict) -> list[LineSpec]:
        lines = []
        for i in range(1, LINE_ROWS + 1):
            description = (data.get(f"description_{i}") or "").strip()
            quantity, price = data.get(f"quantity_{i}"), data.get(f"unit_price_{i}")
            if not description:
                if quantity or price is not None:
                    self.add_error(f"description_{i}", "Describe what this line is for.")
                continue
            if price is None:
                self.add_error(f"unit_price_{i}", "Enter the unit price.")
                continue
            original = self.originals[i - 1] if i <= len(self.originals) else None
            kind = {"kind": original.kind, "class_pack": original.class_pack} if original is not None else {}
            lines.append(LineSpec(description=description, unit_price=price, quantity=quantity or 1, **kind))
        if not lines and not self.errors:
            raise ValidationError("Enter at least one line.")
        return lines


class InvoiceIssueForm(LinesMixin, forms.Form):
    member_code = forms.CharField(
        label="Member code", required=False, max_length=12, widget=UnfoldAdminTextInputWidget,
        help_text="e.g. M00012. Leave empty for a walk-in customer.",
    )  # fmt: skip
    customer_name = forms.CharField(
        label="Walk-in customer", required=False, max_length=120, widget=UnfoldAdminTextInputWidget,
        help_text="Name on the invoice when the customer is not a member.",
    )  # fmt: skip
    due_on = forms.DateField(
        label="Due on", required=False, widget=UnfoldAdminSingleDateWidget, help_text="A week from today if empty."
    )
    note = forms.CharField(required=False, max_length=255, widget=UnfoldAdminTextInputWidget)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_line_fields()

    def clean(self):
        data = super().clean()
        code = (data.get("member_code") or "").strip()
        data["member"] = member_by_code(self, "member_code", code) if code else None
        if not code and not (data.get("customer_name") or "").strip():
            self.add_error("customer_name", "Enter the walk-in customer's name, or a member code.")
        data["lines"] = self.clean_lines(data)
        return data


class InvoiceCorrectForm(LinesMixin, forms.Form):
    reason = forms.CharField(
        max_length=255, widget=UnfoldAdminTextInputWidget, help_text="Why the invoice is corrected; kept in the record."
    )
    due_on = forms.DateField(
        label="Due on", required=False, widget=UnfoldAdminSingleDateWidget,
        help_text="If empty: the old invoice's due date, or today if that has passed.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_line_fields()

    def clean(self):
        data = super().clean()
        data["lines"] = self.clean_lines(data)
        return data


def correct_form_for(invoice) -> type[InvoiceCorrectForm]:
    """The correction form, prefilled with the invoice's lines (which must fit in LINE_ROWS)."""
    originals = list(invoice.lines.select_related("class_pack"))
    initial = {}
    for i, line in enumerate(originals[:LINE_ROWS], start=1):
        initial.update(
            {f"description_{i}": line.description, f"quantity_{i}": line.quantity, f"unit_price_{i}": line.unit_price}
        )

    class Form(InvoiceCorrectForm):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("initial", initial)
            super().__init__(*args, **kwargs)
            self.originals = originals

    Form.__name__ = InvoiceCorrectForm.__name__
    return Form


class ClassPackSellForm(forms.Form):
    member_code = forms.CharField(
        label="Member code", max_length=12, widget=UnfoldAdminTextInputWidget, help_text="e.g. M00012"
    )
    quantity = forms.IntegerField(min_value=1, max_value=100, initial=1, widget=UnfoldAdminIntegerFieldWidget)

    def clean(self):
        data = super().clean()
        if data.get("member_code"):
            data["member"] = member_by_code(self, "member_code", data["member_code"])
        return data
