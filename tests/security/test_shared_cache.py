"""Rate limits (failed logins, /apply/) count in the cache: with REDIS_URL or
CACHE_URL set, every web process shares one count in Redis instead of keeping
its own in memory. Checked in fresh processes loading the production settings,
against the machine's Redis (database 14, emptied before and after)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"

WRITE_THROUGH_CACHE = """
from django.conf import settings
from django.core.cache import cache
print(settings.CACHES["default"]["BACKEND"])
cache.set("login-failures-probe", 3, 60)
"""


def run_production(code: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CACHE_"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "p" * 64,
            "ALLOWED_HOSTS": "gym.example.com",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def redis_db():
    connection = redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.mark.parametrize("variable", ["REDIS_URL", "CACHE_URL"])
def test_with_redis_configured_one_process_writes_what_every_other_reads(redis_db, variable):
    # when: one web process counts a failed login
    result = run_production(WRITE_THROUGH_CACHE, **{variable: REDIS_URL})
    # then: the count is in Redis, where every other process reads it
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
    assert redis_db.get("gymos:1:login-failures-probe") == b"3"


def test_without_redis_the_cache_is_per_process_memory():
    result = run_production("from django.conf import settings; print(settings.CACHES['default']['BACKEND'])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"


def test_a_cache_url_that_is_not_redis_is_refused_with_a_clear_message():
    result = run_production("", CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0
    assert "CACHE_URL must be a redis:// or rediss:// address" in result.stderr
