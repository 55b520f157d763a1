"""Daily digest section about support tickets (registered in SupportConfig.ready)."""

import datetime

from core.notifications.digest import DigestSection
from core.support.selectors import open_tickets_count


def open_tickets_section(today: datetime.date) -> DigestSection:
    count = open_tickets_count()
    if not count:
        return DigestSection(title="Open support tickets")
    noun = "ticket is" if count == 1 else "tickets are"
    return DigestSection(title="Open support tickets", summary=f"{count} {noun} open", lines=[f"{count} open"])
