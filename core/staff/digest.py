"""Daily digest section about trainers' certifications (registered in StaffConfig.ready)."""

import datetime

from core.notifications.digest import DigestSection
from core.staff.selectors import EXPIRING_DAYS, certifications_expiring


def certifications_expiring_section(today: datetime.date) -> DigestSection:
    """Certifications of active trainers that expire within the next 30 days, the soonest first."""
    expiring = list(certifications_expiring(days=EXPIRING_DAYS, today=today))
    lines = []
    for certification in expiring:
        left = (certification.expires_on - today).days
        in_days = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
        issuer = f", {certification.issuer}" if certification.issuer else ""
        lines.append(
            f"{certification.trainer}: {certification.title}{issuer} expires {in_days} "
            f"({certification.expires_on:%a} {certification.expires_on.day} {certification.expires_on:%b})"
        )
    noun = "certification" if len(expiring) == 1 else "certifications"
    return DigestSection(
        title=f"Certifications expiring in the next {EXPIRING_DAYS} days",
        summary=f"{len(expiring)} {noun}" if expiring else "",
        lines=lines,
        link="/admin/staff/certification/?expiry=soon",
    )
