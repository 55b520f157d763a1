"""Registers GymOS's admin pages: one module per core app, plus the
third-party admins restyled with unfold."""

from admin_site import (  # noqa: F401
    accounts,
    attendance,
    billing,
    devices,
    freezes,
    inventory,
    leads,
    members,
    memberships,
    notifications,
    support,
    thirdparty,
)
