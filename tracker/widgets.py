"""Form widgets drawn in Python.

Django draws each <option> of a select through a template; the item list's filters carry a
few hundred options (units twice, people, areas), and drawing them that way was most of the
page's time. This select writes the same HTML directly.
"""

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
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
