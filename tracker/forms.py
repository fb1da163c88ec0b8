from django import forms
from django.utils.translation import gettext_lazy as _

from . import permissions, workflow


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files; each is checked by the service (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class ProgressForm(forms.Form):
    """A note, a status move the person may make, and evidence files, on one item."""

    note = forms.CharField(
        label=_("Progress note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    files = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("PDF, Word, Excel, WPS, OFD, JPG, PNG or ZIP; at most 20 MB each."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, item, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        choices = [("", _("Keep: %(status)s") % {"status": item.status_label})]
        if permissions.can_change_status(user, item):
            choices += [
                (s, workflow.status_label(item.kind, s)) for s in workflow.progress_moves(item.status)
            ]
        self.fields["status"].choices = choices
        self.fields["status"].widget.attrs["class"] = "form-select"
        self.fields["files"].widget.attrs["accept"] = (
            ".pdf,.doc,.docx,.xls,.xlsx,.wps,.et,.ofd,.jpg,.jpeg,.png,.zip"
        )
        if not self.is_bound:
            self.initial["version"] = item.version
