"""Addresses the billing admin test modules share."""

INVOICES = "/admin/billing/invoice/"
PAYMENTS = "/admin/billing/payment/"
DUES = f"{INVOICES}dues/"
