from django.conf import settings
from django.db import models


class CheckIn(models.Model):
    """One visit to the gym (or one refused attempt), from the door device, the
    desk or a QR code.

    A check-in is an event log: written once by a service, never edited, so it
    keeps no history table (``created_by`` is its "who"; the device's raw
    punches, linked to their check-in, are the evidence). Several punches of
    one burst link to the same check-in (CHECKIN_DEDUPE_MINUTES).
    """

    class Source(models.TextChoices):
        DEVICE = "DEVICE", "Fingerprint device"
        MANUAL = "MANUAL", "Front desk"
        QR = "QR", "QR code"

    class Result(models.TextChoices):
        ALLOWED = "ALLOWED", "Allowed"
        DENIED = "DENIED", "Denied"

    class Reason(models.TextChoices):
        NONE = "", "-"
        UNKNOWN_ID = "UNKNOWN_ID", "Unknown fingerprint ID"
        NO_MEMBERSHIP = "NO_MEMBERSHIP", "No active membership"
        EXPIRED = "EXPIRED", "Membership expired"
        FROZEN = "FROZEN", "Membership frozen"
        UNPAID = "UNPAID", "Membership not paid"
        SUSPENDED = "SUSPENDED", "Member deactivated by staff"
        DELETED = "DELETED", "Member deleted"

    # No single-column indexes on the foreign keys: (member, at) serves member
    # lookups, and every index costs time when a first poll inserts 100,000 rows.
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="checkins", db_index=False
    )
    biometric_id = models.CharField(
        "fingerprint user ID", max_length=24, blank=True, help_text="The ID the device reported (kept for unknown IDs)."
    )
    at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    result = models.CharField(max_length=10, choices=Result.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "check-in"
        indexes = [
            models.Index(fields=["member", "at"], name="checkin_member_at_idx"),
            # Visits (allowed check-ins) read from the index alone, without the rows scattered
            # over two million: each member's last visit, and a period's visitors (reports).
            models.Index(
                fields=["member", "at"], condition=models.Q(result="ALLOWED"), name="checkin_allowed_member_at_idx"
            ),
            models.Index(
                fields=["at", "member"], condition=models.Q(result="ALLOWED"), name="checkin_allowed_at_member_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(result="ALLOWED", reason="") | models.Q(result="DENIED") & ~models.Q(reason=""),
                name="checkin_reason_matches_result",
            ),
        ]

    def __str__(self) -> str:
        who = str(self.member) if self.member_id else f"ID {self.biometric_id or '?'}"
        return f"{who} at {self.at:%Y-%m-%d %H:%M} ({self.get_result_display()})"
