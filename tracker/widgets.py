"""Form widgets drawn in Python.

Django draws each <option> of a select through a template; the item list's filters carry a
few hundred options (units twice, people, areas), and drawing them that way was most of the
page's time. This select writes the same HTML directly.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        final_attrs["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option_value, " selected" if str(option_value) in chosen else "", label)
                for option_value, label in self.choices
                if not isinstance(label, list | tuple)  # no option groups here
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


class FastSelectMultiple(FastSelect):
    allow_multiple_selected = True

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, value, {**(attrs or {}), "multiple": True}, renderer)

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False
