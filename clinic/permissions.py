"""Role checks for views. Object access is never decided here: that is `visible_to`."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from clinic.roles import Role, role_of


def role_required(*roles: Role):
    """Signed-in users of these roles only; anyone else signed in gets a 403 page."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if role_of(request.user) not in roles:
                raise PermissionDenied("This page is not available to your role.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator
