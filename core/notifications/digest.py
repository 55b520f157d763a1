"""The daily digest: one email a day to every active admin.

Its sections come from a registry so that notifications knows no other app:
each app registers what it has to say from its ``AppConfig.ready``::

    from core.notifications.digest import register_digest_section
    register_digest_section("renewals_due", renewals_due_section)

A section provider takes the day and returns a ``DigestSection``; sections
appear in the order they were registered (INSTALLED_APPS order). A section
with no lines reads "Nothing today".
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.notifications.services import message_build, messages_queue_bulk

logger = logging.getLogger(__name__)

TEMPLATE = "daily_digest"
# Lines shown per section; the rest are counted ("and 12 more").
MAX_LINES = 25


@dataclass
class DigestSection:
    title: str
    lines: list[str] = field(default_factory=list)
    summary: str = ""  # one line above the list, e.g. "4 invoices, ৳6,000.00"
    link: str = ""  # admin path for the whole list, e.g. "/admin/billing/invoice/?status=ISSUED"


SectionProvider = Callable[[datetime.date], DigestSection]
_sections: dict[str, SectionProvider] = {}


def register_digest_section(name: str, provider: SectionProvider) -> None:
    """Add (or replace, by ``name``) a section of the daily digest."""
    _sections[name] = provider


def registered_digest_sections() -> list[str]:
    return list(_sections)


def digest_content(*, today: datetime.date) -> list[dict]:
    """Every registered section for ``today``, as the plain data the email renders."""
    content = []
    for name, provider in _sections.items():
        try:
            section = provider(today)
        except Exception:  # one broken section must not cost the admins the whole digest
            logger.exception("Daily digest section %s failed", name)
            section = DigestSection(title=name.replace("_", " ").capitalize(), summary="Could not be put together.")
            section.lines = ["This section failed; the error is in the server log."]
        content.append(
            {
                "name": name,
                "title": section.title,
                "summary": section.summary,
                "link": section.link,
                "lines": section.lines[:MAX_LINES],
                "more": max(len(section.lines) - MAX_LINES, 0),
            }
        )
    return content


@transaction.atomic
def daily_digest_queue(*, today: datetime.date | None = None) -> int:
    """Queue today's digest for every active admin, once per admin and day
    (safe to run again). Returns how many new messages were queued."""
    today = today or timezone.localdate()
    User = get_user_model()
    admins = list(User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("pk"))
    if not admins:
        return 0
    day = f"{today:%A} {today.day} {today:%B %Y}"
    sections = digest_content(today=today)
    messages = [
        message_build(
            template=TEMPLATE,
            recipient=admin.email,
            user=admin,
            dedupe_key=f"daily_digest:{today.isoformat()}:{admin.pk}",
            context={"first_name": admin.first_name, "date": day, "sections": sections},
        )
        for admin in admins
    ]
    return len(messages_queue_bulk(messages=messages))
