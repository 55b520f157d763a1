"""seed_classes: a week of classes with bookings, a full class with a
waitlist, a cancelled class; a second run adds nothing."""

import datetime

import pytest
from django.utils import timezone

from core.classes.models import Booking, ClassSchedule, ClassSession, ClassType
from fixtures.demo import seed_demo
from fixtures.demo_classes import CANCEL_REASON, seed_classes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    """The demo runs on the real clock (it places classes around today)."""


def test_seed_classes_builds_the_demo_timetable_once():
    # given: seed_demo seeds the classes after the people
    seed_demo()
    # when
    second = seed_classes()
    # then
    assert set(ClassType.objects.values_list("title", flat=True)) == {"Zumba", "Yoga", "HIIT", "Strength"}
    assert ClassSchedule.objects.count() == 5 and ClassSession.objects.exists() and Booking.objects.exists()
    assert second == {"schedules": 0, "sessions": 0, "bookings": 0}
    week = ClassSession.objects.filter(starts_at__lt=timezone.now() + datetime.timedelta(days=7))
    assert {s.class_type.title for s in week} == {"Zumba", "Yoga", "HIIT", "Strength"}
    full = ClassSession.objects.get(capacity=2)
    assert full.bookings.filter(status="BOOKED").count() == 2
    assert full.bookings.filter(status="WAITLISTED").count() >= 1
    cancelled = ClassSession.objects.get(status="CANCELLED")
    assert cancelled.reason == CANCEL_REASON
    assert Booking.objects.filter(status="BOOKED").exclude(session=full).exists()


def test_seed_classes_skips_quietly_without_the_demo_people():
    # when / then
    assert seed_classes() == {"schedules": 0, "sessions": 0, "bookings": 0}
