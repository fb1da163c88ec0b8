"""The 任务分解表 preview's lead-unit selects, drawn in Python: a sheet of a thousand rows
has a thousand selects of every unit, which template loops would draw a hundred times
slower."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


class UnitOptions:
    """Each active unit's <option>, escaped once; a row's select picks its own."""

    def __init__(self, units):
        self.options = [
            (unit.pk, format_html('<option value="{}">{}</option>', unit.pk, unit.name)) for unit in units
        ]

    def html(self, selected) -> str:
        return "".join(
            option.replace("<option ", "<option selected ", 1) if pk == selected else option
            for pk, option in self.options
        )


@register.simple_tag
def unit_options(options: UnitOptions, selected):
    """The <option>s of a lead-unit select, ``selected`` (a unit id, or None) chosen."""
    return mark_safe(options.html(selected))  # each option was escaped by format_html
