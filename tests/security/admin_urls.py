"""The admin's URL patterns sorted into what the admin site itself guards
(a ModelAdmin's standard views check the model permissions) and what a
GymOS or library ModelAdmin added (each must check a permission itself).
Shared by the URL inventory and the admin access tests."""

from dataclasses import dataclass

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change")


@dataclass(frozen=True)
class Entry:
    route: str  # the full pattern, e.g. "admin/members/member/<path:object_id>/renew/"
    name: str | None  # namespaced, e.g. "admin:members_member_renew_one"
    pattern: URLPattern
    model: type | None  # the model whose ModelAdmin added it; None for the site's own URLs


def walk(patterns=None, prefix: str = "", namespace: str = ""):
    """Every URLPattern of the project with its full route and namespaced name."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            space = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), space)
        else:
            yield prefix + str(p.pattern), (f"{namespace}{p.name}" if p.name else None), p


def _model_prefixes() -> dict[str, type]:
    return {f"admin/{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}


def admin_entries() -> list[Entry]:
    prefixes = _model_prefixes()
    entries = []
    for route, name, pattern in walk():
        if not route.startswith("admin/"):
            continue
        model = next((m for prefix, m in prefixes.items() if route.startswith(prefix)), None)
        entries.append(Entry(route, name, pattern, model))
    return entries


def is_standard(entry: Entry) -> bool:
    """A ModelAdmin's own changelist/add/history/delete/change view, or its
    <id>/ redirect to the change page: guarded by the model permissions."""
    if entry.model is None:
        return False
    if entry.name is None:
        return entry.route.endswith("<path:object_id>/")
    prefix = f"admin:{entry.model._meta.app_label}_{entry.model._meta.model_name}_"
    return entry.name.removeprefix(prefix) in STANDARD_VIEWS


def custom_entries() -> list[Entry]:
    """What GymAdminSite.extra_urls, Django/unfold's site and every ModelAdmin's get_urls added."""
    return [e for e in admin_entries() if not is_standard(e)]
