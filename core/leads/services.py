"""Leads: taking an application from the public form, working it in the
inbox (status, assignee, notes) and converting it into a member."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.services import normalize_email
from core.common.phone import normalize_phone
from core.common.services import audit_record
from core.leads.models import Lead, LeadNote
from core.leads.selectors import account_for_email
from core.members.models import Member
from core.members.services import member_create
from core.memberships.models import Plan
from core.notifications.services import message_queue

ACK_TEMPLATE = "lead_received"
# Statuses staff set by hand; CONVERTED comes only from lead_convert.
MANUAL_STATUSES = (Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.TRIAL, Lead.Status.LOST)
EDITABLE_FIELDS = {
    "name", "email", "phone", "plan", "preferred_start", "goals", "heard_from", "heard_from_other", "follow_up_on",
}  # fmt: skip


def _clean_contact(fields: dict, errors: dict) -> None:
    """Normalise email and phone in ``fields`` in place; problems go to ``errors``."""
    if "email" in fields:
        try:
            fields["email"] = normalize_email(fields["email"])
        except ValidationError as exc:
            errors["email"] = exc.message_dict["email"]
    if "phone" in fields:
        try:
            fields["phone"] = normalize_phone(fields["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages


def _full_clean(lead: Lead, errors: dict) -> None:
    """Model validation (lengths, choices) merged with the service's own errors; raise if any."""
    try:
        lead.full_clean(exclude=list(errors))
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def lead_create(
    *,
    name: str,
    email: str,
    phone: str,
    heard_from: str,
    consent: bool,
    plan: Plan | None = None,
    preferred_start: datetime.date | None = None,
    goals: str = "",
    heard_from_other: str = "",
    source_ip: str | None = None,
) -> Lead:
    """Store an application as typed and queue the acknowledgement email."""
    errors: dict = {}
    fields = {"email": email, "phone": phone}
    _clean_contact(fields, errors)
    if not consent:
        errors["consent"] = ["Please agree to be contacted: we need it to reply to your application."]
    if plan is not None and not plan.is_active:
        errors["plan"] = [f"The plan “{plan.name}” is no longer offered; choose another one or “Not sure yet”."]
    today = timezone.localdate()
    if preferred_start is not None and preferred_start < today:
        errors["preferred_start"] = ["The preferred start date is in the past."]
    elif preferred_start is not None and preferred_start > today + datetime.timedelta(days=366):
        errors["preferred_start"] = ["Choose a start date within the next 12 months."]
    if heard_from == Lead.HeardFrom.OTHER and not (heard_from_other or "").strip():
        errors["heard_from_other"] = ["Tell us where you heard of us."]
    lead = Lead(
        name=(name or "").strip(),
        email=fields["email"],
        phone=fields["phone"],
        plan=plan,
        preferred_start=preferred_start,
        goals=goals or "",
        heard_from=heard_from,
        heard_from_other=(heard_from_other or "").strip() if heard_from == Lead.HeardFrom.OTHER else "",
        consented_at=timezone.now(),
        source_ip=source_ip or None,
    )
    _full_clean(lead, errors)
    lead.save()
    message_queue(
        template=ACK_TEMPLATE,
        recipient=lead.email,
        dedupe_key=f"lead-ack:{lead.pk}",
        context={"first_name": lead.first_name, "plan": plan.name if plan else ""},
    )
    return lead


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update().get(pk=lead.pk)


def _note(lead: Lead, text: str, by: User | None) -> LeadNote:
    note = LeadNote(lead=lead, author=by, text=text)
    note.full_clean()
    note.save()
    return note


def _refuse_if_converted(lead: Lead) -> None:
    if lead.status == Lead.Status.CONVERTED:
        code = lead.member.code if lead.member_id else "a member"
        raise ValidationError(f"{lead.name} was already converted to {code}; the lead is closed.")


@transaction.atomic
def lead_set_status(*, lead: Lead, status: str, by: User | None = None, note: str = "") -> Lead:
    """Move a lead to NEW, CONTACTED, TRIAL or LOST; the change goes on its timeline."""
    lead = _locked(lead)
    if status not in MANUAL_STATUSES:
        raise ValidationError("Use “Convert to member” to make a lead a member.")
    _refuse_if_converted(lead)
    if lead.status != status:
        old = lead.get_status_display()
        lead.status = status
        lead.save(update_fields=["status", "updated_at"])
        text = f"Status: {old} → {lead.get_status_display()}."
        _note(lead, f"{text} {note.strip()}".strip(), by)
    elif note.strip():
        _note(lead, note.strip(), by)
    return lead


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not assignee.is_staff:
        raise ValidationError({"assignee": f"{assignee} is not active admin or support staff."})


@transaction.atomic
def lead_assign(*, lead: Lead, assignee: User | None, by: User | None = None) -> Lead:
    lead = _locked(lead)
    _refuse_if_converted(lead)
    _check_assignee(assignee)
    if lead.assignee_id != (assignee.pk if assignee else None):
        lead.assignee = assignee
        lead.save(update_fields=["assignee", "updated_at"])
        _note(lead, f"Assigned to {assignee.full_name or assignee.email}." if assignee else "Unassigned.", by)
    return lead


@transaction.atomic
def lead_add_note(*, lead: Lead, text: str, by: User | None = None) -> LeadNote:
    if not (text or "").strip():
        raise ValidationError({"text": "Write the note first."})
    return _note(_locked(lead), text.strip(), by)


@transaction.atomic
def lead_update(*, lead: Lead, by: User | None = None, **fields) -> Lead:
    """Staff corrections to an application (a typo in the phone number, a follow-up date)."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown lead fields: {', '.join(sorted(unknown))}")
    lead = _locked(lead)
    _refuse_if_converted(lead)
    errors: dict = {}
    _clean_contact(fields, errors)
    plan = fields.get("plan")
    if plan is not None and plan.pk != lead.plan_id and not plan.is_active:
        errors["plan"] = [f"The plan “{plan.name}” is no longer offered."]
    for name, value in fields.items():
        if name not in errors:
            setattr(lead, name, value)
    _full_clean(lead, errors)
    lead.save()
    return lead


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    return (parts[0], " ".join(parts[1:])) if parts else (name, "")


@transaction.atomic
def lead_convert(*, lead: Lead, by: User | None = None) -> Member:
    """Create the member and their login from the lead (the welcome email
    carries a temporary password), link them and close the lead as CONVERTED.

    Refused when the email already belongs to an account: the error's
    ``params`` carry ``user_id`` and ``member_id`` so the admin can link to it."""
    lead = _locked(lead)
    _refuse_if_converted(lead)
    existing = account_for_email(lead.email)
    if existing is not None:
        member = getattr(existing, "member", None)
        who = f"member {member.code}" if member is not None else f"a {existing.get_role_display().lower()} account"
        raise ValidationError(
            "An account with the email %(email)s already exists (%(who)s); open it instead of converting this lead.",
            code="account_exists",
            params={"email": lead.email, "who": who, "user_id": existing.pk, "member_id": getattr(member, "pk", None)},
        )
    first_name, last_name = _split_name(lead.name)
    member = member_create(email=lead.email, first_name=first_name, last_name=last_name, phone=lead.phone, by=by)
    lead.member = member
    lead.status = Lead.Status.CONVERTED
    lead.converted_at = timezone.now()
    lead.save(update_fields=["member", "status", "converted_at", "updated_at"])
    plan = f" Interested in {lead.plan.name}: sell it from the member's page." if lead.plan_id else ""
    _note(lead, f"Converted to member {member.code}.{plan}", by)
    audit_record(action="lead.converted", summary=f"Lead {lead.pk} converted to {member.code}", obj=lead, actor=by)
    return member
