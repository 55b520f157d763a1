"""The Redis broker path: a real ``manage.py qcluster`` with REDIS_URL set
sends N outbox emails (file backend into a temporary directory) queued the
way the app queues them (``messages_queue_bulk`` -> django-q2 after commit).
Prints JSON: time until all are SENT, messages/s, files written.

    REDIS_URL=redis://127.0.0.1:6379/15 DATABASE_URL=... python bench/scenarios/redis_broker.py --count 200

Uses its own Redis database number by default (15) so other clusters on the
same Redis do not take its tasks. The messages are deleted afterwards.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--timeout", type=int, default=180)
    args = parser.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    mail_dir = tempfile.mkdtemp(prefix="gymos-bench-mail-")
    os.environ.pop("EMAIL_URL", None)
    os.environ["EMAIL_FILE_PATH"] = mail_dir
    import django

    django.setup()
    from django.conf import settings

    from core.accounts.models import User
    from core.notifications.models import Message
    from core.notifications.services import message_build, messages_queue_bulk

    if "redis" not in settings.Q_CLUSTER:
        raise SystemExit("REDIS_URL did not select the Redis broker")
    log = open(Path(mail_dir) / "qcluster.log", "w")  # noqa: SIM115
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=dict(os.environ),
                               stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    run = uuid.uuid4().hex[:8]
    user = User.objects.filter(role="MEMBER").order_by("pk").first()
    try:
        time.sleep(3)  # the cluster's workers start
        messages = [
            message_build(
                template="unknown_account",
                recipient=f"redis-bench-{i}@bench.invalid",
                user=user,
                dedupe_key=f"redis-bench:{run}:{i}",
                context={"email": f"redis-bench-{i}@bench.invalid"},
            )  # fmt: skip
            for i in range(args.count)
        ]
        start = time.perf_counter()
        messages_queue_bulk(messages=messages)
        ours = Message.objects.filter(dedupe_key__startswith=f"redis-bench:{run}:")
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline and ours.filter(status="QUEUED").exists():
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        counts = {s: ours.filter(status=s).count() for s in ("QUEUED", "SENT", "FAILED")}
        files = len(list(Path(mail_dir).glob("*.eml")))
        print(json.dumps({"broker": settings.Q_CLUSTER["redis"], "messages": args.count, "seconds": round(seconds, 1),
                          "per_s": round(counts["SENT"] / seconds, 1), **counts, "eml_files": files,
                          "workers": settings.Q_CLUSTER.get("workers")}))  # fmt: skip
        ours.delete()
    finally:
        cluster.terminate()
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cluster.kill()
        log.close()


if __name__ == "__main__":
    main()
