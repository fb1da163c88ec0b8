"""Form widgets drawn in Python.

Django draws each <option> of a select through a template; the item list's filters carry a
few hundred options (units twice, people, areas), and drawing them that way was most of the
page's time. This select writes the same HTML directly; FastFormRenderer does the same for
every form's plain inputs and text areas.
"""

import copy
import functools
from html import escape
from pathlib import Path

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe


class FastSelect(forms.Select):
    """A select of plain (value, label) pairs, kept as given: Django normalises a select's
    choices each time they are set or copied, a measurable cost for lists of a hundred people
    on every page. ``choices`` may also be a function returning the pairs (read when drawn)."""

    @property
    def choices(self):
        return self._plain_choices() if callable(self._plain_choices) else self._plain_choices

    @choices.setter
    def choices(self, value):
        self._plain_choices = value

    def __deepcopy__(self, memo):
        copied = copy.copy(self)
        copied.attrs = self.attrs.copy()
        memo[id(self)] = copied
        return copied

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        final_attrs["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = []
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                continue  # no option groups here
            option_value = "" if option_value is None else str(option_value)
            selected = " selected" if option_value in chosen else ""
            # html.escape on plain strings: format_html's lazy-aware escaping per option was
            # most of this widget's time (a few hundred options per list page).
            options.append(f'<option value="{escape(option_value)}"{selected}>{escape(str(label))}</option>')
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe("".join(options)))


class FastSelectMultiple(FastSelect):
    allow_multiple_selected = True

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, value, {**(attrs or {}), "multiple": True}, renderer)

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False


_WIDGETS = "django/forms/widgets/"
_INPUT_TEMPLATES = frozenset(
    f"{_WIDGETS}{name}.html"
    for name in (
        "input", "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number",
        "password", "search", "tel", "text", "time", "url",
    )
)  # fmt: skip


def _value(value) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescape."""
    return value if isinstance(value, SafeData) else escape(str(value))


def _attrs(attrs: dict) -> str:
    """Django's widgets/attrs.html, in Python."""
    return "".join(
        f" {escape(str(name))}" + ("" if value is True else f'="{_value(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


class FastFormRenderer(DjangoTemplates):
    """Django's form renderer, but plain <input> and <textarea> are written in Python, to the
    byte what Django's own widget templates write (tests/test_widgets.py compares them).
    The item page carries a dozen such widgets across its forms, and drawing each through
    the template engine was a tenth of the page's time. Every other template (selects,
    option lists, the admin's widgets, any project override) goes through the templates."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and not _overridden(template_name):
            if template_name in _INPUT_TEMPLATES:
                value = widget["value"]
                shown = "" if value is None else f' value="{_value(value)}"'
                return (
                    f'<input type="{escape(str(widget["type"]))}" name="{escape(str(widget["name"]))}"'
                    f"{shown}{_attrs(widget['attrs'])}>"
                )
            if template_name == f"{_WIDGETS}textarea.html":
                value = widget["value"]
                return (
                    f'<textarea name="{escape(str(widget["name"]))}"{_attrs(widget["attrs"])}>\n'
                    f"{_value(value) if value else ''}</textarea>"
                )
        return super().render(template_name, context, request)


@functools.cache
def _overridden(template_name: str) -> bool:
    """Whether the project's templates override a widget template (then they are used)."""
    from django.conf import settings

    return any(
        (Path(folder) / template_name).exists() for engine in settings.TEMPLATES for folder in engine["DIRS"]
    )
