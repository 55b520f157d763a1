"""The Redis broker path (REDIS_URL): this process queues the outbox's send
task into Redis, a real `manage.py qcluster` started with REDIS_URL takes it
from there and delivers through SMTP. Nothing goes through the database
broker. Runs against the machine's Redis on 127.0.0.1:6379, in a database
number of its own that the test empties before and after.
"""

import pytest
import redis
from django_q.conf import Conf
from django_q.models import OrmQ

from core.notifications.models import Message
from tests.jobs.test_real_worker import queue_email, statuses
from tests.support.smtp import smtp_server
from tests.support.worker import STARTUP_TIMEOUT, worker

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REDIS_URL = "redis://127.0.0.1:6379/13"  # not 0: never touches what a developer keeps in Redis


@pytest.fixture
def redis_broker(monkeypatch):
    """This process's tasks go to Redis, as with REDIS_URL set (django-q2 reads Q_CLUSTER once)."""
    connection = redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (start it: redis-server --daemonize yes)")
    connection.flushdb()
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    yield connection
    connection.flushdb()


def test_a_worker_on_the_redis_broker_delivers_the_outbox(tmp_path, redis_broker):
    with smtp_server() as smtp, worker(tmp_path, smtp, REDIS_URL=REDIS_URL) as cluster:
        # given: a worker whose broker is Redis
        cluster.start()
        cluster.wait_ready()
        assert "[django_q:gymos:q] running" in cluster.log()  # a Redis list; the ORM broker says DjangORM
        # when: three emails queued through the outbox
        emails = [queue_email(f"redis:{i}", f"member{i}@example.com") for i in range(3)]
        # then: each delivered once, by way of Redis, never the database queue
        pks = [m.pk for m in emails]
        # The worker marks a message SENT just after the SMTP server accepted it: wait for both.
        done = cluster.until(
            lambda: len(smtp.received) == 3 and set(statuses(*pks).values()) == {Message.Status.SENT},
            timeout=STARTUP_TIMEOUT,
        )
        assert done, f"not delivered: {statuses(*pks)}; worker log:\n{cluster.log()}"
    assert sorted(m.rcpt_tos[0] for m in smtp.received) == [f"member{i}@example.com" for i in range(3)]
    assert not OrmQ.objects.exists()
