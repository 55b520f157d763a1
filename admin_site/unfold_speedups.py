"""Faster admin pages under unfold 0.91, with byte-identical HTML (bench/, issue 11).

Profiling the 50-row lists showed most of a page's CPU in three places of
unfold's list rendering, each redoing per row what only depends on the page:

- ``items_for_result`` rebuilds every column header (sort links, the "select
  all" checkbox template) for each row, to read one header's text: the
  headers are now built once per change list.
- ``display_for_label`` renders a template per badge (``@display(label=...)``),
  though a badge depends only on its value and label map: rendered once per
  distinct badge.
- ``ModelAdmin.action_checkbox`` renders the checkbox widget's template per
  row: rendered once, the row's pk put in its value.

On a record's page, unfold's template asks each read-only field for its
``contents`` three times (to test it, compare it with "None", print it): a
field now computes them once (a member's page showed its membership snapshot,
four queries, five times).

``install()`` runs once from AdminSiteConfig.ready()."""

from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from unfold import admin as unfold_admin
from unfold.fields import UnfoldAdminReadonlyField
from unfold.templatetags import unfold_list

_PK_SLOT = "__gymos_pk__"
_original = {}


def _headers_once(cl):
    """unfold_list.result_headers, computed once per ChangeList (a request's list)."""
    cached = getattr(cl, "_gymos_result_headers", None)
    if cached is None:
        cached = list(_original["result_headers"](cl))
        cl._gymos_result_headers = cached
    return iter(cached)


@lru_cache(maxsize=512)
def _label_html(value, empty_value_display, label) -> SafeString:
    label = dict(label) if isinstance(label, tuple) else label
    return _original["display_for_label"](value, empty_value_display, label)


def _label_once(value, empty_value_display, label):
    key = tuple(sorted(label.items())) if isinstance(label, dict) else label
    try:
        return _label_html(value, str(empty_value_display), key)
    except TypeError:  # an unhashable value (a list of labels): render it as unfold does
        return _original["display_for_label"](value, empty_value_display, label)


class _FastCheckbox:
    """Stands in for unfold.admin.checkbox: the same widget, its template rendered once per name."""

    def __init__(self, widget) -> None:
        self.widget = widget

    def __getattr__(self, name):
        return getattr(self.widget, name)

    def render(self, name, value, attrs=None, renderer=None):
        if attrs is not None or renderer is not None:
            return self.widget.render(name, value, attrs, renderer)
        # The widget's own (escaped) HTML with the escaped pk put in its value.
        return mark_safe(self._template(name).replace(_PK_SLOT, escape(value)))  # noqa: S308 - escaped HTML, escaped pk

    @lru_cache(maxsize=8)  # noqa: B019 - one instance for the process
    def _template(self, name) -> str:
        return str(self.widget.render(name, _PK_SLOT))


def _contents_once(field):
    """UnfoldAdminReadonlyField.contents, computed once per field of the page."""
    if "_gymos_contents" not in field.__dict__:
        field._gymos_contents = _original["contents"](field)
    return field._gymos_contents


def install() -> None:
    if _original:
        return
    _original["result_headers"] = unfold_list.result_headers
    _original["display_for_label"] = unfold_list.display_for_label
    _original["contents"] = UnfoldAdminReadonlyField.contents
    unfold_list.result_headers = _headers_once
    unfold_list.display_for_label = _label_once
    unfold_admin.checkbox = _FastCheckbox(unfold_admin.checkbox)
    UnfoldAdminReadonlyField.contents = _contents_once
