import functools

from core.common.actors import system_actor


def system_task(func):
    """Run a task as the named system user, so history records a "who"."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with system_actor():
            return func(*args, **kwargs)

    return wrapper
