"""The digest sections other apps register: low stock, open tickets, today's classes."""

import datetime

from django.utils import timezone

from core.notifications.digest import digest_content, registered_digest_sections
from fixtures.demo import seed_demo


def test_inventory_support_and_classes_register_their_sections():
    names = registered_digest_sections()
    assert {"low_stock", "open_tickets", "classes_today", "certifications_expiring"} <= set(names)


def test_sections_read_the_demo_gym(db, django_capture_on_commit_callbacks):
    # given: the demo gym has a low-stock SKU, open tickets and classes this week
    with django_capture_on_commit_callbacks(execute=False):
        seed_demo()
    # when
    content = {section["name"]: section for section in digest_content(today=timezone.localdate())}
    # then
    assert any("CREA-300G" in line for line in content["low_stock"]["lines"])
    assert content["open_tickets"]["summary"].endswith("open")
    week = [digest_content(today=timezone.localdate() + datetime.timedelta(days=d)) for d in range(7)]
    class_lines = [line for day in week for s in day if s["name"] == "classes_today" for line in s["lines"]]
    assert any("booked" in line for line in class_lines)
