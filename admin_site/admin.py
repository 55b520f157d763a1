"""Registers GymOS's admin pages: one module per core app, plus the
third-party admins restyled with unfold."""

from admin_site import accounts, notifications, thirdparty  # noqa: F401
