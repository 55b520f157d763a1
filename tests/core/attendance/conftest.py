# Member and membership builders shared with tests/core/members (see builders.py).
from tests.core.members.builders import plan, today  # noqa: F401
