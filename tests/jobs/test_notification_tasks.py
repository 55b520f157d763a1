"""Outbox tasks: ids in, call a service, act as the system user."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Success

from core.accounts.services import user_provision
from core.common.actors import SYSTEM_USER_EMAIL, current_actor
from core.notifications.models import Message
from fixtures.factories import MessageFactory
from jobs.tasks import notifications as tasks

pytestmark = pytest.mark.django_db


def test_send_task_reports_a_skipped_message():
    # given: a message no worker may claim (already sent)
    message = MessageFactory(status=Message.Status.SENT)
    # when / then
    assert tasks.send_message_task(message.pk) == "skipped (not due or already taken)"


def test_send_task_runs_through_django_q_after_commit(provision):
    # when: provisioning queues the welcome email; django-q2 runs inline in tests (sync)
    provision(email="nadia@example.com")
    # then
    task = Success.objects.get(func="jobs.tasks.notifications.send_message_task")
    assert task.result == Message.Status.SENT


def test_sweep_task_sends_a_lost_message_as_the_system_user(django_capture_on_commit_callbacks, mailoutbox):
    # given: a welcome email whose first enqueue was lost (its on-commit never ran)
    with django_capture_on_commit_callbacks(execute=False):
        user = user_provision(email="nadia@example.com", first_name="Nadia")
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        swept = tasks.enqueue_due_messages_task()
    # then
    assert swept == 1
    assert len(mailoutbox) == 1
    assert Message.objects.get().status == Message.Status.SENT
    issued = user.history.order_by("-history_id").first()
    assert issued.temp_password_expires_at is not None
    assert issued.history_user.email == SYSTEM_USER_EMAIL
    assert current_actor() is None  # the actor does not leak past the task
