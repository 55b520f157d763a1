"""The class emails render (text and HTML) from what the services queue."""

import pytest

from core.classes.services.bookings import booking_cancel, booking_create
from core.classes.services.sessions import session_cancel, session_reschedule
from core.classes.services.waitlist import waitlist_release_started
from core.notifications.models import Message
from core.notifications.rendering import render_email
from tests.core.classes.builders import give_credits, local, make_member, one_off
from tests.core.classes.conftest import TUESDAY

pytestmark = pytest.mark.django_db


def test_every_class_email_renders_with_its_details(hiit, trainer, room, plan, staff, clock):
    # given: one class with a seat, a waitlist, a promotion, a move and a release; another cancelled
    first = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 7), capacity=1)
    second = one_off(class_type=hiit, instructor=trainer, room=room, starts_at=local(TUESDAY, 18))
    a, b, c = (make_member(plan=plan, first_name=name) for name in ("Anika", "Bashir", "Chaity"))
    for person in (a, b, c):
        give_credits(person, total=3)
    seat = booking_create(session=first, member=a)
    booking_create(session=first, member=b)
    booking_create(session=first, member=c)
    booking_cancel(booking=seat, by=a.user)
    session_reschedule(session=first, starts_at=local(TUESDAY, 8), reason="Cleaning", by=staff)
    booking_create(session=second, member=a)
    session_cancel(session=second, reason="Instructor ill", by=staff)
    clock.travel(local(TUESDAY, 8, 5))
    waitlist_release_started()
    # when
    rendered = {m.template: (m, render_email(m.template, m.context)) for m in Message.objects.order_by("pk")}
    # then
    assert set(rendered) == {
        "class_booked", "waitlisted", "promoted_from_waitlist", "class_rescheduled", "class_cancelled",
        "waitlist_released",
    }  # fmt: skip
    for template, (message, email) in rendered.items():
        first_name = message.context["first_name"]
        assert "HIIT" in email.subject, template
        assert f"Hello {first_name}," in email.text and f"Hello {first_name}," in email.html, template
        assert "{{" not in email.text + email.html, template
    assert rendered["waitlisted"][1].subject == "Waitlist: you are number 2 for HIIT on Tue 03 Mar 2026, 07:00"
    assert "Tue 03 Mar 2026, 08:00" in rendered["class_rescheduled"][1].text
    assert "Why:         Cleaning" in rendered["class_rescheduled"][1].text
    assert "the class credit is back in your account" in rendered["class_cancelled"][1].text
    assert "The class started before a seat became free." in rendered["waitlist_released"][1].html
