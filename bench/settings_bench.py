"""Production settings for the bench: plain HTTP on loopback, static files
collected into a temporary directory (BENCH_STATIC_ROOT) so whitenoise's
manifest matches the work tree."""

import os

from config.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)  # noqa: F405
# The bench talks plain HTTP to gunicorn on 127.0.0.1; cookies stay marked secure
# in production, the bench's client sends them anyway.
SECURE_SSL_REDIRECT = False
