"""Billing services, by topic: invoices, payments, purchases (renewals and class packs)."""
