import contextlib

import pytest
from zk import ZK

from devices.zk import ZKSimulator


@pytest.fixture
def start_sim():
    """start_sim(**kwargs) -> a running ZKSimulator on a free loopback port, stopped after the test."""
    sims = []

    def _start(**kwargs):
        sim = ZKSimulator(**kwargs).start()
        sims.append(sim)
        return sim

    yield _start
    for sim in sims:
        sim.stop()


@pytest.fixture
def pyzk():
    """pyzk(sim, password=0, timeout=5) -> a connected real pyzk client, disconnected after the test."""
    conns = []

    def _connect(sim, password=0, timeout=5):
        conn = ZK("127.0.0.1", port=sim.port, ommit_ping=True, timeout=timeout, password=password).connect()
        conns.append(conn)
        return conn

    yield _connect
    for conn in conns:
        # the test may have broken the session on purpose
        with contextlib.suppress(Exception):
            if conn.is_connect:
                conn.disconnect()
