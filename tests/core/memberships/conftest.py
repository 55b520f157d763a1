# Fixtures shared by the member and membership tests (see builders.py).
from tests.core.members.builders import clock, media_root, plan, today  # noqa: F401
