"""The door devices GymOS reads, the punches they recorded, and what the
server asked them to change (access sync)."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.common.history import History
from core.common.models import TimeStampedModel

# Fields the poller updates every round: kept out of history (one history
# row per poll would bury the real changes) and written with update().
HEALTH_FIELDS = [
    "last_polled_at",
    "last_success_at",
    "last_error",
    "last_error_at",
    "consecutive_failures",
    "next_poll_after",
    "clock_drift_seconds",
    "record_size",
    "user_record_size",
    "firmware_version",
    "platform",
    "log_records",
    "log_tail",
]


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value} is not a time zone name (e.g. Asia/Dhaka).")


class Device(TimeStampedModel):
    class Mode(models.TextChoices):
        PULL = "PULL", "Pull (GymOS reads the device over TCP)"
        PUSH = "PUSH", "Push (the device sends to GymOS, ADMS)"

    name = models.CharField(max_length=60, unique=True)
    serial_number = models.CharField(
        max_length=64,
        blank=True,
        help_text="Read from a pull device on first contact and checked on every poll after that. "
        "Push devices are accepted only under the serial number entered here.",
    )
    mode = models.CharField(max_length=4, choices=Mode.choices, default=Mode.PULL)
    host = models.CharField(max_length=255, blank=True, help_text="IP address or host name (pull devices).")
    port = models.PositiveIntegerField(default=4370, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    # The device's COMM key: a number set on the device (0 = none). Kept as
    # is because the protocol needs the value itself; never listed or logged.
    comm_password = models.PositiveIntegerField(
        "comm key", default=0, validators=[MaxValueValidator(999999)], help_text="0 when the device has none."
    )
    is_active = models.BooleanField(default=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="The zone of the device's clock. Empty: the gym's time zone.",
    )
    sync_clock = models.BooleanField(
        default=True, help_text="Set the device clock from the server when it drifts (pull devices)."
    )

    # Health (see HEALTH_FIELDS).
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_poll_after = models.DateTimeField(null=True, blank=True, help_text="Back-off after errors.")
    clock_drift_seconds = models.IntegerField(null=True, blank=True, help_text="Device clock minus server clock.")
    record_size = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Bytes per punch record.")
    user_record_size = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Bytes per user record.")
    firmware_version = models.CharField(max_length=100, blank=True)
    platform = models.CharField(max_length=100, blank=True)
    # Where the last read stopped, so a re-poll decodes only what is new:
    # records in the device log, and "user_id|time" of the last one.
    log_records = models.PositiveIntegerField(default=0)
    log_tail = models.CharField(max_length=64, blank=True)

    history = History(excluded_fields=[*HEALTH_FIELDS, "comm_password"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["serial_number"], condition=~models.Q(serial_number=""), name="device_serial_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.mode == self.Mode.PULL and not self.host:
            raise ValidationError({"host": "A pull device needs the address GymOS connects to."})
        if self.mode == self.Mode.PUSH and not self.serial_number:
            raise ValidationError({"serial_number": "A push device is recognised by its serial number: enter it."})

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or settings.TIME_ZONE)

    @property
    def is_healthy(self) -> bool:
        if self.last_success_at is None:
            return False
        return self.last_error_at is None or self.last_success_at >= self.last_error_at


class Punch(models.Model):
    """One record of the device's log, as the device reported it. The unique
    key makes re-reading the whole log harmless, across restarts."""

    # Indexed by the unique key (device first) and (device, time): no extra FK index to maintain.
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="punches", db_index=False)
    device_user_id = models.CharField("user ID", max_length=24)
    punched_at = models.DateTimeField()
    status = models.SmallIntegerField(
        default=0, help_text="In/out state: 0 check-in, 1 check-out, 2-5 break/overtime (pyzk 'punch', ADMS status)."
    )
    verify = models.SmallIntegerField(
        null=True, blank=True, help_text="How the person was verified: 1 fingerprint, 15 face... (pyzk 'status')."
    )
    workcode = models.CharField(max_length=16, blank=True)
    checkin = models.ForeignKey(
        "attendance.CheckIn", null=True, blank=True, on_delete=models.SET_NULL, related_name="punches"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-punched_at"]
        verbose_name_plural = "punches"
        constraints = [
            models.UniqueConstraint(fields=["device", "device_user_id", "punched_at"], name="punch_unique_per_device"),
        ]
        indexes = [
            models.Index(fields=["device", "punched_at"], name="punch_device_time_idx"),
            # The admin log's order across devices (newest first, pk for ties): a page by index, not a sort.
            models.Index(fields=["punched_at", "id"], name="punch_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.device_user_id} at {timezone.localtime(self.punched_at):%Y-%m-%d %H:%M:%S}"


class DeviceUser(models.Model):
    """What access sync last made of a user on a device, and whose it was:
    after a retention purge the member's fingerprint ID is gone, and this row
    is how GymOS still knows to remove that user from the device."""

    class State(models.TextChoices):
        ENABLED = "ENABLED", "Enabled"
        DISABLED = "DISABLED", "Disabled"
        REMOVED = "REMOVED", "Removed"

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="device_users")
    user_id = models.CharField("user ID", max_length=24)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="device_users"
    )
    state = models.CharField(max_length=10, choices=State.choices)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["device", "user_id"]
        constraints = [models.UniqueConstraint(fields=["device", "user_id"], name="device_user_unique")]

    def __str__(self) -> str:
        return f"{self.device}: {self.user_id} ({self.get_state_display()})"


class DeviceCommand(models.Model):
    """A command queued for a push device; it fetches it from /iclock/getrequest
    and reports the result to /iclock/devicecmd."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", "Queued"
        SENT = "SENT", "Sent"
        DONE = "DONE", "Done"
        FAILED = "FAILED", "Failed"
        CANCELLED = "CANCELLED", "Cancelled"

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="commands")
    command = models.TextField()
    pin = models.CharField("user ID", max_length=24, blank=True, db_index=True)
    # What the device user becomes once the device confirms (access sync).
    intent = models.CharField(max_length=10, choices=DeviceUser.State.choices, blank=True)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="device_commands"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    return_code = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"C:{self.pk}:{self.command}"
