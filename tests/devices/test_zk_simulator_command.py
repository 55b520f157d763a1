"""`manage.py zk_simulator`: the demo device as a foreground command."""

import os
import selectors
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from zk import ZK

ROOT = Path(__file__).resolve().parents[2]


def test_command_serves_demo_users_and_punches_then_stops():
    # given
    out = StringIO()

    # when
    call_command("zk_simulator", port=0, users=3, punches=5, serial="DEMO7", duration=0.05, stdout=out)

    # then
    text = out.getvalue()
    assert "ZK simulator DEMO7 listening on 127.0.0.1:" in text
    assert "Serving 3 users (ids 1..3, 72-byte records) and 5 punches (40-byte records)" in text
    assert "Stopped after 0 connection(s), 0 session(s); device enabled." in text


def test_command_refuses_punches_without_users():
    with pytest.raises(CommandError, match="Punches need users"):
        call_command("zk_simulator", port=0, users=0, punches=5, duration=0.05, stdout=StringIO())


def _read_line_containing(proc, text, timeout):
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline and selector.select(timeout=deadline - time.monotonic()):
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r} within {timeout}s; got {seen!r}")


@pytest.mark.slow
def test_command_in_the_foreground_serves_pyzk_until_ctrl_c():
    # given
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "zk_simulator", "--port", "0", "--users", "4", "--punches", "6",
         "--password", "9", "--serial", "DEMO42"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy(),
    )  # fmt: skip
    try:
        port = int(_read_line_containing(proc, "listening on", timeout=30).split(":")[1].split()[0])

        # when
        conn = ZK("127.0.0.1", port=port, ommit_ping=True, timeout=5, password=9).connect()
        serial, users, punches = conn.get_serialnumber(), conn.get_users(), conn.get_attendance()
        conn.disconnect()
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=15)

        # then
        assert serial == "DEMO42"
        assert [u.user_id for u in users] == ["1", "2", "3", "4"]
        assert len(punches) == 6
        assert proc.returncode == 0
        assert "Stopped after 2 connection(s), 1 session(s); device enabled." in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
