"""A real django-q2 worker (`manage.py qcluster` in a subprocess) against the
test database: the outbox delivers to an SMTP server and to the WhatsApp
simulator on loopback, the simulator's status webhooks reach the running app
(live_server), and a worker killed mid-batch loses and repeats nothing.

The test process queues work into django-q2's ORM broker (Conf.SYNC is
switched off for these tests; elsewhere tasks run inline), so rows must be
committed: transactional_db. Every subprocess is killed in ``finally``.
"""

import asyncio
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django_q.conf import Conf
from django_q.models import Failure
from django_q.tasks import async_task

from core.notifications.catalogue import catalogue_entry
from core.notifications.models import Message
from core.notifications.services import message_queue, messages_enqueue_due
from core.notifications.whatsapp.simulator import WhatsAppSimulator, wait_for
from tests.core.notifications.whatsapp_setup import APP_SECRET, TOKEN, point_settings_at
from tests.support.smtp import RecordingHandler, SmtpServer, _FreePortController, smtp_server
from tests.support.worker import STARTUP_TIMEOUT
from tests.support.worker import worker as real_worker

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 3


@pytest.fixture
def queue_to_broker(monkeypatch):
    """Tasks queued by this process go to the database broker for the real worker."""
    monkeypatch.setattr(Conf, "SYNC", False)


@contextlib.contextmanager
def worker(tmp_path: Path, smtp: SmtpServer, sim: WhatsAppSimulator | None = None, workers: int = 2) -> Iterator:
    env = {"OUTBOX_SEND_LEASE_SECONDS": str(LEASE_SECONDS)}
    if sim is not None:
        env.update(
            WHATSAPP_TOKEN=TOKEN,
            WHATSAPP_PHONE_NUMBER_ID=sim.phone_number_id,
            WHATSAPP_BASE_URL=sim.base_url,
            WHATSAPP_TIMEOUT="5",
        )
    with real_worker(tmp_path, smtp, workers=workers, **env) as running:
        yield running


def sample(template: str) -> dict:
    return dict(catalogue_entry(template).sample)


def queue_email(key: str, to: str = "nusrat@example.com") -> Message:
    context = {**sample("renewal_reminder"), "membership_id": 1}
    return message_queue(template="renewal_reminder", recipient=to, dedupe_key=key, context=context)


def queue_whatsapp(key: str, to: str) -> Message:
    return message_queue(
        channel=Message.Channel.WHATSAPP,
        template="renewal_reminder",
        recipient=to,
        dedupe_key=key,
        context={"parameters": ["Nusrat", "Monthly", "Fri 18 Dec 2026"]},
    )


def statuses(*pks) -> dict[int, str]:
    return dict(Message.objects.filter(pk__in=pks).values_list("pk", "status"))


def test_real_worker_delivers_email_and_whatsapp_and_tracks_statuses(tmp_path, settings, live_server, queue_to_broker):
    webhook_url = live_server.url + "/webhooks/whatsapp/"
    with (
        smtp_server() as smtp,
        WhatsAppSimulator(
            token=TOKEN, app_secret=APP_SECRET, webhook_url=webhook_url, fail_numbers=["01912345678"]
        ) as sim,
        worker(tmp_path, smtp, sim) as cluster,
    ):
        point_settings_at(settings, sim)  # this process queues (and its live server takes the webhooks)
        # given: a running worker
        cluster.start()
        # when: work queued through the outbox, and a task that raises
        emails = [queue_email(f"real:email:{i}", f"member{i}@example.com") for i in range(3)]
        whatsapps = [queue_whatsapp("real:wa:1", "01712345678"), queue_whatsapp("real:wa:2", "+8801812345678")]
        undeliverable = queue_whatsapp("real:wa:fail", "01912345678")
        async_task("jobs.tasks.notifications.send_message_task", "not-an-id")
        wa_pks = [m.pk for m in whatsapps]
        # then: emails at the SMTP server, WhatsApp at the simulator, statuses back through the app's webhook
        done = wait_for(
            lambda: (
                len(smtp.received) == 3
                and set(statuses(*[m.pk for m in emails]).values()) == {"SENT"}
                and set(statuses(*wa_pks).values()) == {"READ"}
                and statuses(undeliverable.pk)[undeliverable.pk] == "FAILED"
                and Failure.objects.filter(func="jobs.tasks.notifications.send_message_task").exists()
            ),
            timeout=STARTUP_TIMEOUT + 15,
            interval=0.2,
        )
        assert done, f"not delivered in time; worker log:\n{cluster.log()}"
        assert sim.webhooks_idle(timeout=5)
        webhook_answers = {d.http_status for d in sim.webhook_deliveries}

    # emails: each once, tagged with its message
    tags = Counter(m.message["X-GymOS-Message"] for m in smtp.received)
    assert tags == Counter(str(m.pk) for m in emails)
    assert {m.rcpt_tos[0] for m in smtp.received} == {f"member{i}@example.com" for i in range(3)}
    assert all(m.message["Subject"] == f"Your {settings.GYM_NAME} membership ends in 3 days" for m in smtp.received)
    assert set(statuses(*[m.pk for m in emails]).values()) == {"SENT"}
    # WhatsApp: sent once each, delivered and read as the simulator reported through the webhook
    assert sorted(s.to for s in sim.sent) == ["8801712345678", "8801812345678", "8801912345678"]
    assert webhook_answers == {200}
    for message in Message.objects.filter(pk__in=wa_pks):
        assert message.provider_id in {s.wamid for s in sim.sent}
        assert message.sent_at and message.delivered_at and message.read_at
    failed = Message.objects.get(pk=undeliverable.pk)
    assert "131026" in failed.last_error and failed.retryable is False
    # the task that raised is in django-q2's failed list with its error
    failure = Failure.objects.get(func="jobs.tasks.notifications.send_message_task")
    assert "expected a number but got 'not-an-id'" in failure.result


class SlowRelay(RecordingHandler):
    """An SMTP relay that takes its time over each recipient (before any mail
    is accepted) and counts the conversations waiting there."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay
        self.waiting = 0
        self.waiting_lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        with self.waiting_lock:
            self.waiting += 1
        try:
            await asyncio.sleep(self.delay)
        finally:
            with self.waiting_lock:
                self.waiting -= 1
        envelope.rcpt_tos.append(address)
        return "250 OK"


@contextlib.contextmanager
def slow_smtp_server(delay: float) -> Iterator[SmtpServer]:
    handler = SlowRelay(delay)
    controller = _FreePortController(handler, hostname="127.0.0.1", port=0, ready_timeout=5)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=controller.port, handler=handler)
    finally:
        controller.stop()


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(tmp_path, queue_to_broker):
    batch = 30
    with slow_smtp_server(delay=0.25) as smtp, worker(tmp_path, smtp, workers=2) as first:
        relay: SlowRelay = smtp.handler
        # given: a batch being sent by a running worker
        first.start()
        messages = [queue_email(f"batch:{i}", f"batch{i}@example.com") for i in range(batch)]
        pks = [m.pk for m in messages]
        # when: killed with -9 while both of its workers are in the middle of an SMTP conversation
        mid_batch = wait_for(lambda: len(smtp.received) >= 6 and relay.waiting == 2, timeout=STARTUP_TIMEOUT + 10)
        assert mid_batch, f"the batch did not get going; worker log:\n{first.log()}"
        first.kill()
        received_at_kill = len(smtp.received)
        assert received_at_kill < batch
        # ...and a new worker takes over; the every-minute outbox sweep (run here, sooner) hands it
        # whatever the dead one held: unclaimed tasks, and the two messages it had leased.
        with worker(tmp_path, smtp, workers=2) as second:
            second.start()
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:
                if set(statuses(*pks).values()) == {"SENT"}:
                    break
                messages_enqueue_due(grace=timedelta(0))
                time.sleep(1.0)
            all_sent = set(statuses(*pks).values()) == {"SENT"}
            assert all_sent, f"{Counter(statuses(*pks).values())}; worker log:\n{second.log()}"
        time.sleep(0.5)  # a late duplicate, if any, would arrive now

    # then: every message reached the relay exactly once
    tags = Counter(m.message["X-GymOS-Message"] for m in smtp.received)
    assert tags == Counter(str(pk) for pk in pks), f"duplicates: {[t for t, n in tags.items() if n > 1]}"
    # and the messages the dead worker held were sent by the new one on a second attempt
    attempts = Counter(Message.objects.filter(pk__in=pks).values_list("attempts", flat=True))
    assert attempts[2] >= 1
    assert set(attempts) <= {1, 2}
