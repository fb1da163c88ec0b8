"""The fast form renderer writes, byte for byte, what Django's widget templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from tracker.widgets import FastFormRenderer


class Everything(forms.Form):
    text = forms.CharField(
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": '"引号" & <尖括号>'})
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    empty_note = forms.CharField(widget=forms.Textarea)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    number = forms.IntegerField()
    hidden = forms.CharField(widget=forms.HiddenInput)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    flag = forms.BooleanField(required=False)
    mail = forms.EmailField()
    files = forms.FileField(widget=forms.FileInput(attrs={"multiple": False, "accept": ".pdf"}))
    choice = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")])
    safe = forms.CharField(widget=forms.TextInput(attrs={"data-x": mark_safe("<b>")}))


DATA = {
    "text": "<script>alert('x')</script>",
    "note": "第一行\n</textarea><b>",
    "empty_note": "",
    "day": "2026-11-26",
    "number": "12",
    "hidden": 'a"b',
    "secret": "pw&",
    "flag": "on",
    "mail": "x@example.com",
    "choice": "b",
    "safe": "y",
}


@pytest.mark.parametrize("data", [None, DATA], ids=["unbound", "bound"])
def test_every_widget_is_drawn_as_django_draws_it(data):
    fast = Everything(data, renderer=FastFormRenderer())
    slow = Everything(data, renderer=DjangoTemplates())
    for name in Everything.base_fields:
        assert str(fast[name]) == str(slow[name]), name


def test_the_project_uses_it(settings):
    assert settings.FORM_RENDERER == "tracker.widgets.FastFormRenderer"
