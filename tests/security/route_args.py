"""Every URL pattern of the resolver, and a way to fill each one's arguments
from the seeded world (tests/security/state.py): who asks, and the URL.
A route that cannot be filled raises AssertionError naming it."""

from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.accounts.models import User
from core.billing.models import ClassPack, Invoice, Payment
from core.classes.models import Booking, ClassSession
from core.members.models import Member
from core.staff.models import Certification, LeaveRequest
from core.staff.selectors import leave_sessions_affected
from core.support.models import Ticket, TicketReply
from tests.security.state import PUSH_SERIAL


def routes(patterns=None, prefix: str = "", namespace: str = ""):
    """(route text, name or None) of every URL pattern, namespaces joined."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}:{entry.name}".strip(":") if entry.name else None


def first(queryset):
    found = queryset.order_by("pk").first()
    assert found is not None, f"the world has no {queryset.model._meta.label}"
    return found


# --- who opens a portal page, and with which object --------------------------------------------


def _session(w):
    return first(ClassSession.objects.filter(status=ClassSession.Status.SCHEDULED, instructor__isnull=False))


def _trainer_client(w):
    member = first(Member.objects.filter(assigned_trainer__isnull=False, user__isnull=False))
    return member.assigned_trainer, {"code": member.code}


PORTAL_OBJECTS = {
    "portal:member_photo": lambda w: (w["member"].user, {"code": w["member"].code}),
    "portal:trainer_session": lambda w: (_session(w).instructor, {"pk": _session(w).pk}),
    "portal:trainer_certification_file": lambda w: (
        (c := first(Certification.objects.all())).trainer.user,
        {"pk": c.pk},
    ),
    "portal:class_pack_buy": lambda w: (w["member"].user, {"pk": first(ClassPack.objects.filter(is_active=True)).pk}),
    "portal:class_session": lambda w: (w["member"].user, {"pk": _session(w).pk}),
    "portal:booking_cancel": lambda w: (
        (b := first(Booking.objects.filter(member__user__isnull=False))).member.user,
        {"pk": b.pk},
    ),
    "portal:support_ticket": lambda w: ((t := first(Ticket.objects.all())).member.user, {"pk": t.pk}),
    "portal:support_attachment": lambda w: (
        (r := first(TicketReply.objects.exclude(attachment=""))).ticket.member.user,
        {"pk": r.pk},
    ),
}
for _name in ("reschedule", "cancel", "mark"):
    PORTAL_OBJECTS[f"portal:trainer_session_{_name}"] = PORTAL_OBJECTS["portal:trainer_session"]
PORTAL_OBJECTS["portal:class_book"] = PORTAL_OBJECTS["portal:class_session"]
PORTAL_OBJECTS["portal:support_reply"] = PORTAL_OBJECTS["portal:support_close"] = PORTAL_OBJECTS[
    "portal:support_ticket"
]
for _name in ("trainer_client", "trainer_client_workout", "trainer_client_diet"):
    PORTAL_OBJECTS[f"portal:{_name}"] = _trainer_client


def _invoice(w):
    invoice = first(Invoice.objects.filter(member__user__isnull=False))
    return invoice.member.user, {"number": invoice.number}


def _receipt(w):
    payment = first(Payment.objects.filter(invoice__member__user__isnull=False).exclude(receipt_number=""))
    return payment.invoice.member.user, {"receipt_number": payment.receipt_number}


for _name in ("invoice_detail", "invoice_pdf", "invoice_pay"):
    PORTAL_OBJECTS[f"portal:{_name}"] = _invoice
PORTAL_OBJECTS["portal:receipt_pdf"] = _receipt


# --- admin pages: the object of the route's ModelAdmin ------------------------------------------


def _admin_model(route: str):
    parts = route.split("/")
    if len(parts) > 3:
        for model in admin.site._registry:
            if (model._meta.app_label, model._meta.model_name) == (parts[1], parts[2]):
                return model
    return None


def _leave_step(w):
    for leave in LeaveRequest.objects.order_by("pk"):
        session = leave_sessions_affected(leave=leave).first()
        if session is not None:
            return {"object_id": leave.pk, "session_id": session.pk, "step": "reassign"}
    raise AssertionError("the world has no leave request touching a class")


SPECIAL = {
    "admin:staff_leaverequest_session": _leave_step,
    "admin:view_on_site": lambda w: {
        "content_type_id": ContentType.objects.get_for_model(Member).pk,
        "object_id": w["member"].pk,
    },
    "admin:app_list": lambda w: {"app_label": "members"},
    "account_confirm_email": lambda w: {"key": "not-a-key"},
    "account_reset_password_from_key": lambda w: {"uidb36": "1", "key": "not-a-key"},
}
QUERIES = {
    "whatsapp_webhook": lambda: (
        f"?hub.mode=subscribe&hub.verify_token={settings.WHATSAPP_VERIFY_TOKEN}&hub.challenge=7"
    ),
    "bkash_callback": lambda: "?paymentID=TR00UNKNOWN&status=success",
    "iclock:cdata": lambda: f"?SN={PUSH_SERIAL}&options=all",
    "iclock:getrequest": lambda: f"?SN={PUSH_SERIAL}&INFO=Ver 8.0.4,1,0",
    "iclock:devicecmd": lambda: f"?SN={PUSH_SERIAL}",
}


def fill(route: str, name: str | None, w, users) -> tuple[User, str]:
    """(who asks, the URL) for one route; AssertionError when it cannot be filled."""
    if name is None:
        if route == "admin/(?P<url>.*)$":  # the admin's catch-all: unknown admin pages
            return users["admin"], "/admin/no-such-page/"
        model = _admin_model(route)
        assert model is not None and route.endswith("<path:object_id>/"), f"no way to fill {route}"
        return users["admin"], "/" + route.replace("<path:object_id>", str(first(model._default_manager).pk))
    if name in PORTAL_OBJECTS:
        user, kwargs = PORTAL_OBJECTS[name](w)
        return user, reverse(name, kwargs=kwargs)
    if name.startswith("portal:"):
        assert "<" not in route, f"{name}: a portal route with arguments needs an entry in PORTAL_OBJECTS"
        user = users["trainer"] if name.startswith("portal:trainer") else w["member"].user
        return user, reverse(name)
    if name in SPECIAL:
        return users["admin"], reverse(name, kwargs=SPECIAL[name](w))
    if name.endswith("_simple_history"):  # one historical version of an object that still exists
        model = _admin_model(route)
        pk = model._meta.pk.attname
        version = first(model.history.filter(**{f"{pk}__in": model._default_manager.values("pk")}))
        return users["admin"], reverse(name, args=[getattr(version, pk), version.history_id])
    kwargs = {}
    if "<path:object_id>" in route:
        model = _admin_model(route)
        assert model is not None, f"{name}: object of an unknown model"
        kwargs["object_id"] = first(model._default_manager).pk
    assert "<" not in route.replace("<path:object_id>", "") and "(" not in route, f"{name}: arguments unknown"
    return users["admin"], reverse(name, kwargs=kwargs) + (QUERIES[name]() if name in QUERIES else "")
