"""The searchable select (tracker.widgets) and the form markup django-bootstrap5 draws.

A unit, people or area select draws only what is chosen and the empty choice, points at its
JSON endpoint, and leaves validation to the field: a value that may not be chosen is refused.
"""

import re

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from tests.factories import StaffFactory, UnitFactory
from tracker.filters import ItemFilter
from tracker.forms import AssignForm, BulkAssignForm

pytestmark = pytest.mark.django_db


def options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """``(value, label, selected)`` of each option of the select called ``name``."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?[^>]*>([^<]*)</option>', select
        )
    ]


def test_an_assignment_form_draws_only_the_chosen_unit_and_person_without_a_query(
    lead_unit, coop_unit, django_assert_num_queries
):
    UnitFactory.create_batch(30)
    person = StaffFactory(first_name="李四", units=[lead_unit])
    form = AssignForm(
        user=None, initial={"lead_unit": lead_unit, "cooperating_units": [coop_unit], "assignee": person}
    )
    with django_assert_num_queries(0), translation.override("zh-hans"):
        html = str(form["lead_unit"]) + str(form["cooperating_units"]) + str(form["assignee"])
    assert options(html, "lead_unit") == [("", "未指定", False), (str(lead_unit.pk), "县司法局", True)]
    assert options(html, "cooperating_units") == [(str(coop_unit.pk), "县财政局", True)]
    assert options(html, "assignee") == [("", "—", False), (str(person.pk), "李四", True)]
    assert 'data-autocomplete-url="/autocomplete/units/"' in html
    assert 'data-autocomplete-url="/autocomplete/people/"' in html
    assert 'data-placeholder="输入以搜索"' in html
    # The people offered are those of the lead unit chosen in the same form.
    assert 'data-autocomplete-forward="unit=lead_unit"' in html


def test_an_empty_assignment_form_draws_no_unit_at_all(lead_unit, other_unit):
    with translation.override("zh-hans"):
        html = str(BulkAssignForm(items_queryset=None, user=None)["lead_unit"])
    assert options(html, "lead_unit") == [("", "(不变)", True)]


def test_a_unit_chosen_in_a_posted_form_is_drawn_again_with_its_name(lead_unit, other_unit):
    form = AssignForm({"lead_unit": str(other_unit.pk), "due_on": "not a date"}, user=None)
    assert not form.is_valid()
    assert options(str(form["lead_unit"]), "lead_unit")[1] == (str(other_unit.pk), "县市场监督管理局", True)


def test_a_unit_that_may_not_be_chosen_is_refused_with_djangos_translated_error(lead_unit):
    retired = UnitFactory(name="县已撤销的局", active=False)
    with translation.override("zh-hans"):
        form = AssignForm({"lead_unit": str(retired.pk), "cooperating_units": ["x"]}, user=None)
        assert not form.is_valid()
        assert "选择一个有效的选项" in form.errors["lead_unit"][0]
        assert form.errors["cooperating_units"]
        html = str(form["lead_unit"])
    assert "县已撤销的局" not in html  # no option for what is no choice


def test_the_filters_draw_the_chosen_unit_from_their_own_validation(lead_unit, django_assert_num_queries):
    UnitFactory.create_batch(30)
    filterset = ItemFilter({"lead_unit": str(lead_unit.pk), "year": "all"})
    assert filterset.is_valid()
    with django_assert_num_queries(0), translation.override("zh-hans"):
        html = str(filterset.form["lead_unit"]) + str(filterset.form["cooperating_unit"])
    assert options(html, "lead_unit") == [
        ("", "全部", False),
        ("none", "未明确牵头单位", False),  # the items without one (the figures' own row)
        (str(lead_unit.pk), "县司法局", True),
    ]
    assert options(html, "cooperating_unit") == [("", "全部", True)]


def test_people_are_named_alike_in_the_filter_and_the_endpoint(lead_unit, reviewer_client):
    person = StaffFactory(username="wangwu", first_name="", last_name="", units=[lead_unit])
    filterset = ItemFilter({"assignee": str(person.pk), "year": "all"})
    assert filterset.is_valid()
    assert (str(person.pk), "wangwu", True) in options(str(filterset.form["assignee"]), "assignee")
    found = reviewer_client.get("/autocomplete/people/", {"q": "wangwu"}).json()["results"]
    assert found == [{"value": person.pk, "text": "wangwu"}]


# django-bootstrap5 draws the fields ({% bootstrap_field %}); the form's own errors are one
# alert (templates/django_bootstrap5/form_errors.html).


class Sample(forms.Form):
    note = forms.CharField(label="说明 <b>", help_text="最多 <200> 字")
    agree = forms.BooleanField(label="同意")

    def clean(self):
        raise forms.ValidationError("此事项已被他人更新 <x>")


def render(template: str, form) -> str:
    return Template("{% load django_bootstrap5 %}" + template).render(Context({"form": form}))


def test_a_field_has_its_label_widget_errors_and_escaped_help_text():
    form = Sample({"note": "", "agree": ""})
    form.is_valid()
    html = render("{% bootstrap_field form.note %}", form)
    assert re.search(r'<label class="form-label" for="id_note">说明 &lt;b&gt;</label>', html)
    assert re.search(r'<input type="text" name="note"[^>]*class="form-control is-invalid"', html)
    assert re.search(r'<div class="invalid-feedback[^"]*">' + form.errors["note"][0] + "</div>", html)
    # Help text is the form's own markup, as in Django's own form templates (never user input).
    assert '<div id="id_note_helptext" class="form-text">最多 <200> 字</div>' in html


def test_a_checkbox_is_drawn_as_a_check_with_its_state():
    form = Sample({"note": "好", "agree": "on"})
    form.is_valid()
    html = render("{% bootstrap_field form.agree %}", form)
    assert re.search(r'<input type="checkbox" name="agree" class="form-check-input" [^>]*checked>', html)
    assert '<label class="form-check-label" for="id_agree">同意</label>' in html
    unticked = Sample({"note": "好"})
    unticked.is_valid()
    html = render("{% bootstrap_field form.agree %}", unticked)
    assert "is-invalid" in html and " checked" not in html


def test_form_errors_show_the_forms_own_errors_escaped_and_nothing_otherwise():
    form = Sample({"note": "好", "agree": "on"})
    form.is_valid()
    html = render("{% bootstrap_form_errors form type='non_fields' %}", form)
    assert (
        html.strip()
        == '<div class="alert alert-danger" role="alert"><div>此事项已被他人更新 &lt;x&gt;</div></div>'
    )
    assert render("{% bootstrap_form_errors form type='non_fields' %}", Sample()).strip() == ""


def test_the_project_draws_fields_with_django_bootstrap5(settings):
    assert "django_bootstrap5" in settings.INSTALLED_APPS
    assert not hasattr(settings, "FORM_RENDERER") or "tracker" not in settings.FORM_RENDERER
