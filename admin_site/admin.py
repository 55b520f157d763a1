"""Registers GymOS's admin pages: one module per core app, plus the
third-party admins restyled with unfold."""

from admin_site import (  # noqa: F401
    accounts,
    attendance,
    audit,
    billing,
    classes,
    devices,
    freezes,
    inventory,
    leads,
    members,
    memberships,
    notifications,
    programs,
    staff,
    staff_certifications,
    staff_leave,
    support,
    thirdparty,
)
