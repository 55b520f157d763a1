"""Access rules for portal views: every view declares who may see it. Kept to these few
decorators so each check is written once and the URL inventory reads it from ``view.access_rule``."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def role_required(*roles: str, object: str | None = None):
    """Anonymous people go to the login page; a logged-in person with another role gets 403.

    ``object`` states the view's object rule (who may see this particular file or row). The
    view enforces it after loading the object, answering 404 to everyone else so nobody
    learns what exists; the text is recorded in ``access_rule`` for the inventory."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.role not in roles:
                raise PermissionDenied("This page is not available for your account.")
            return view(request, *args, **kwargs)

        wrapper.access_rule = {"roles": roles} if object is None else {"roles": roles, "object": object}
        return wrapper

    return decorator


def public(view):
    """Marks a view as open to everyone, on purpose."""
    view.access_rule = {"public": True}
    return view


def signed_webhook(header: str):
    """Marks a view as open to an outside service that cannot log in, on
    purpose: the view itself must verify the request's signature (``header``)
    before reading anything else."""

    def decorator(view):
        view.access_rule = {"public": True, "signed_by": header}
        return view

    return decorator
