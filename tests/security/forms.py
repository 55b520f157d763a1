"""What a browser would post: the fields of a page's POST form with their
current values (inputs, checked boxes, selected options, textareas), a
required choice left empty filled with its first option. Used by the input
tests to submit every form without hand-written payloads."""

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, bool, bool] | None = None  # name, multiple, required
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"fields": {}, "options": {}, "limits": {}}
            self.forms.append(self._form)
        if self._form is None or "name" not in a and tag != "option":
            return
        fields = self._form["fields"]
        if a.get("maxlength", "").isdigit():
            self._form["limits"][a["name"]] = int(a["maxlength"])
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            value = a.get("value") or ("on" if kind == "checkbox" else "")
            if kind == "checkbox" and a["name"] in fields:
                fields[a["name"]] = [*_as_list(fields[a["name"]]), value]
            else:
                fields[a["name"]] = value
        elif tag == "textarea":
            self._textarea = a["name"]
            fields[a["name"]] = ""
        elif tag == "select":
            self._select = (a["name"], "multiple" in a, "required" in a)
            fields[a["name"]] = [] if "multiple" in a else ""
            self._form["options"][a["name"]] = []
        elif tag == "option" and self._select:
            name, multiple, _required = self._select
            value = a.get("value", "")
            self._form["options"][name].append(value)
            if "selected" in a:
                fields[name] = [*fields[name], value] if multiple else value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            name, multiple, required = self._select
            options = [o for o in self._form["options"][name] if o]
            if required and not multiple and not self._form["fields"][name] and options:
                self._form["fields"][name] = options[0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _form(html: str, must_have: str) -> dict:
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if must_have in form["fields"]:
            return form
    raise AssertionError(f"no POST form with a field {must_have!r} on the page")


def form_fields(html: str, must_have: str) -> dict:
    """The fields and values of the POST form on the page that has a field named ``must_have``."""
    return dict(_form(html, must_have)["fields"])


def form_limits(html: str, must_have: str) -> dict[str, int]:
    """{field: maxlength} of that form: the limits the browser enforces, and the form checks again."""
    return dict(_form(html, must_have)["limits"])
