"""The type-to-search select of units, people and areas.

A unit list or a people list holds hundreds of entries; drawing them all on every page was
slow and left people scrolling an unsorted list. These selects draw only what is chosen
(plus the empty choice); static/js/ledger.js turns them into Tom Select boxes that load
matching entries from the JSON endpoints of tracker.views (``/autocomplete/...``) as the
person types. Without JavaScript the plain select still submits what is chosen.

Validation stays the field's own: a ModelChoiceField's queryset decides what may be chosen,
so a value the person may not pick is refused with Django's translated error.
"""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def is_id(text: str) -> bool:
    """Whether ``text`` can be a row's id (ASCII digits that fit a 64-bit integer): anything
    else from a query string is no choice, and must not reach the database."""
    return text.isascii() and text.isdigit() and len(text) <= 18


class AutocompleteSelect(forms.Select):
    """A select of a ModelChoiceField whose options are searched on the server.

    ``url_name`` names the JSON endpoint; ``forward`` names another field of the same form
    whose value is sent along (the people of the lead unit chosen: ``?unit=``). ``known``
    maps ids to labels already at hand, so that drawing a chosen value needs no query.
    """

    def __init__(self, url_name: str, *, forward: dict[str, str] | None = None, attrs=None):
        super().__init__(attrs={"class": "form-select", **(attrs or {})})
        self.url_name = url_name
        self.forward = forward or {}
        self.known: dict[str, str] = {}

    def __deepcopy__(self, memo):
        copied = super().__deepcopy__(memo)
        copied.known = dict(self.known)
        return copied

    def remember(self, objects) -> None:
        """Keep the labels of model instances chosen (initial values, cleaned data)."""
        field = getattr(self.choices, "field", None)
        if field is None:
            return
        for obj in objects:
            if hasattr(obj, "_meta"):
                self.known[str(obj.pk)] = field.label_from_instance(obj)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-autocomplete-url"] = reverse(self.url_name)
        widget_attrs["data-placeholder"] = str(_("Type to search"))
        widget_attrs["data-no-results"] = str(_("Nothing matches"))
        widget_attrs["data-more"] = str(_("More match: type more to narrow the list"))
        if self.forward:
            # "unit=id_lead_unit": the value of that field goes along as ?unit=.
            widget_attrs["data-autocomplete-forward"] = ",".join(
                f"{param}={field}" for param, field in self.forward.items()
            )
        return context

    def optgroups(self, name, value, attrs=None):
        chosen = [str(v) for v in value if v not in (None, "")]
        labels = self._labels(chosen)
        options = []
        field = getattr(self.choices, "field", None)
        empty_label = getattr(field, "empty_label", None)
        if not self.allow_multiple_selected and empty_label is not None:
            options.append(self.create_option(name, "", empty_label, not chosen, 0, attrs=attrs))
        # A filter's "none" choice (django-filter's null_label: items without a lead unit).
        null_label = getattr(field, "null_label", None)
        if not self.allow_multiple_selected and null_label is not None:
            null = str(field.null_value)
            options.append(self.create_option(name, null, null_label, null in chosen, 0, attrs=attrs))
        for index, pk in enumerate(chosen, start=1):
            if pk in labels:  # a value that is no choice is not drawn (the field says why)
                options.append(self.create_option(name, pk, labels[pk], True, index, attrs=attrs))
        return [(None, options, 0)]

    def _labels(self, chosen: list[str]) -> dict[str, str]:
        labels = {pk: self.known[pk] for pk in chosen if pk in self.known}
        missing = [pk for pk in chosen if pk not in labels and is_id(pk)]
        field = getattr(self.choices, "field", None)
        if missing and field is not None:
            for obj in field.queryset.filter(pk__in=missing):
                labels[str(obj.pk)] = field.label_from_instance(obj)
        return labels


class AutocompleteSelectMultiple(AutocompleteSelect, forms.SelectMultiple):
    """The same, for a ModelMultipleChoiceField (several units)."""

    allow_multiple_selected = True


class AutocompleteFormMixin:
    """A form whose autocomplete selects learn the labels of the instances it was given or
    has cleaned, so that drawing it again makes no query for them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            for name, widget in self._autocomplete_widgets():
                self._remember(widget, self.initial.get(name))

    def _post_clean(self):
        super()._post_clean()
        for name, widget in self._autocomplete_widgets():
            self._remember(widget, self.cleaned_data.get(name))

    def _autocomplete_widgets(self):
        for name, field in self.fields.items():
            if isinstance(field.widget, AutocompleteSelect):
                yield name, field.widget

    @staticmethod
    def _remember(widget: AutocompleteSelect, value) -> None:
        if value is None:
            return
        widget.remember(value if isinstance(value, list | tuple) or hasattr(value, "model") else [value])
