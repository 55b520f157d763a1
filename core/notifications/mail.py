"""Development email backend: each message becomes one .eml file under
EMAIL_FILE_PATH (var/mail/ by default), readable by any mail client."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        self.file_path.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            target = self.file_path / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            target.write_bytes(message.message().as_bytes(linesep="\n"))
            sent += 1
        return sent
