"""The form field and form error tags: label, widget, errors and help text, escaped."""

from django import forms

from tracker.templatetags.tracker_tags import form_errors, form_field


class Sample(forms.Form):
    note = forms.CharField(label="说明 <b>", help_text="最多 <200> 字")
    agree = forms.BooleanField(label="同意")

    def clean(self):
        raise forms.ValidationError("此事项已被他人更新 <x>")


def test_a_field_has_its_label_widget_errors_and_escaped_help_text():
    form = Sample({"note": "", "agree": ""})
    form.is_valid()
    html = form_field(form["note"])
    assert '<label class="form-label" for="id_note">说明 &lt;b&gt;</label>' in html
    assert '<input type="text" name="note"' in html and 'aria-invalid="true"' in html
    message = form.errors["note"][0]
    assert f'<div class="invalid-feedback d-block">{message}</div>' in html
    assert '<div class="form-text">最多 &lt;200&gt; 字</div>' in html


def test_a_checkbox_is_drawn_as_a_check_with_its_state():
    form = Sample({"note": "好", "agree": "on"})
    form.is_valid()
    html = form_field(form["agree"])
    assert 'class="form-check-input" type="checkbox" name="agree" id="id_agree" checked>' in html
    assert '<label class="form-check-label" for="id_agree">同意</label>' in html
    unticked = Sample({"note": "好"})
    unticked.is_valid()
    html = form_field(unticked["agree"])
    assert "is-invalid" in html and " checked" not in html


def test_form_errors_show_the_forms_own_errors_escaped_and_nothing_otherwise():
    form = Sample({"note": "好", "agree": "on"})
    form.is_valid()
    assert (
        form_errors(form)
        == '<div class="alert alert-danger" role="alert"><div>此事项已被他人更新 &lt;x&gt;</div></div>'
    )
    assert form_errors(Sample()) == ""
    assert form_errors(None) == ""
