from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from utilities.people import user_label

from . import permissions, workflow
from .models import Unit
from .selectors import people_to_choose, units_to_choose
from .widgets import AutocompleteFormMixin, AutocompleteSelect, AutocompleteSelectMultiple


class MultipleFileInput(forms.FileInput):
    """Several files in one input: a plain file input (there is never a current file to
    clear)."""

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
    status = forms.ChoiceField(
        label=_("Status"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
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
        # Whether the person may move the status from here (submitting has its own form).
        self.offers_moves = len(choices) > 1
        self.fields["files"].widget.attrs["accept"] = EVIDENCE_ACCEPT
        if not self.is_bound:
            self.initial["version"] = item.version


EVIDENCE_ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.wps,.et,.ofd,.jpg,.jpeg,.png,.zip"


class SubmitForm(forms.Form):
    """Submit for review (提交审核): the note and the evidence files of this submission."""

    prefix = "submit"

    note = forms.CharField(
        label=_("What was done"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": _("Say what was done, so that the reviewer knows what to check.")},
        help_text=_("The reviewer reads this note with the files below and the item's earlier evidence."),
    )
    files = MultipleFileField(
        label=_("Evidence files of this submission"),
        required=False,
        help_text=_("PDF, Word, Excel, WPS, OFD, JPG, PNG or ZIP; at most 20 MB each."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["accept"] = EVIDENCE_ACCEPT
        if not self.is_bound:
            self.initial["version"] = item.version


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return user_label(obj)


class ReviewForm(forms.Form):
    """Approve or return a submission; the button pressed says which."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("Required when returning: say what the unit should fix."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ExtensionRequestForm(forms.Form):
    new_due_on = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )


class ExtensionDecisionForm(forms.Form):
    grant = forms.ChoiceField(choices=[("yes", _("Grant")), ("no", _("Refuse"))])
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("Required when refusing."),
    )


class AssignForm(AutocompleteFormMixin, forms.Form):
    """Lead unit, cooperating units, responsible person and deadline of one item."""

    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        queryset=Unit.objects.none(),  # the person's: see __init__
        required=False,
        empty_label=_("not assigned"),
        widget=AutocompleteSelect("tracker:autocomplete_units"),
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("Cooperating units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=AutocompleteSelectMultiple("tracker:autocomplete_units"),
        help_text=_("Type part of a name; choose as many as needed."),
    )
    assignee = PersonChoiceField(
        label=_("Responsible person"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="—",
        # The people offered are those of the lead unit chosen (the service requires it).
        widget=AutocompleteSelect(
            "tracker:autocomplete_people", forward={"unit": "lead_unit"}, attrs={"data-responsible": "user"}
        ),
        help_text=_("A user of the lead unit; or leave it empty and type an official below."),
    )
    responsible_name = forms.CharField(
        label=_("Official without an account: name"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    responsible_post = forms.CharField(
        label=_("Post"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    responsible_phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel"}),
    )
    due_on = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    OFFICIAL = ("responsible_name", "responsible_post", "responsible_phone")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The units and people of the governments the person sees, never another's.
        self.fields["lead_unit"].queryset = units_to_choose(user)
        self.fields["cooperating_units"].queryset = units_to_choose(user)
        self.fields["assignee"].queryset = people_to_choose(user)
        for name in self.OFFICIAL:  # choosing a user empties these, typing here the user (ledger.js)
            self.fields[name].widget.attrs["data-responsible"] = "official"

    def clean(self):
        from .services import official_error

        cleaned = super().clean()
        present = [name for name in ("assignee", *self.OFFICIAL) if name in self.fields]
        if all(name in cleaned for name in present):
            error = official_error({name: cleaned[name] for name in present})
            if error:
                self.add_error("responsible_name", error)
        return cleaned

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("lead_unit", "cooperating_units", "assignee", *self.OFFICIAL, "due_on")
        }


class BulkAssignForm(AssignForm):
    """The same fields for many items at once; a field left empty stays as it is."""

    items = forms.ModelMultipleChoiceField(queryset=None, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, items_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.OFFICIAL:  # a named official is given item by item, on its page
            del self.fields[name]
        self.fields["assignee"].help_text = ""
        self.fields["items"].queryset = items_queryset
        self.fields["items"].error_messages["required"] = _("Tick the items to assign first.")
        for name in ("lead_unit", "assignee"):
            self.fields[name].empty_label = _("(unchanged)")
        self.fields["cooperating_units"].help_text = _("Leave empty to keep each item's own.")

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {name: data[name] for name in ("lead_unit", "assignee", "due_on") if data[name]}
        if data["cooperating_units"]:
            changes["cooperating_units"] = list(data["cooperating_units"])
        return changes

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError(_("Choose at least one thing to set."))
        return cleaned


class InstructionForm(forms.Form):
    text = forms.CharField(
        label=_("Instruction"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class ChaseForm(forms.Form):
    """催办: what the unit is asked to do (fields named chase-…: the item page has other notes)."""

    prefix = "chase"

    note = forms.CharField(
        label=_("What is asked"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("Write what the unit is asked to do.")},
        help_text=_("The lead unit is told; each chase can be printed as a chase notice (督办通知单)."),
    )


class BulkChaseForm(ChaseForm):
    """催办 of the items ticked in the list (``items``: the tick boxes' name)."""

    prefix = None

    items = forms.ModelMultipleChoiceField(queryset=None, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, items_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items_queryset
        self.fields["items"].error_messages["required"] = _("Tick the items to chase first.")
        self.fields["note"].help_text = ""


class InstructionReplyForm(forms.Form):
    """The lead unit's reply (反馈) to one leader's instruction: a note and evidence files.
    One per open instruction on the page, told apart by their prefixes."""

    note = forms.CharField(
        label=_("Reply"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("Write the reply: what the unit has done about the instruction.")},
    )
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("PDF, Word, Excel, WPS, OFD, JPG, PNG or ZIP; at most 20 MB each."),
    )

    def __init__(self, *args, instruction, **kwargs):
        kwargs.setdefault("prefix", f"reply-{instruction.pk}")
        super().__init__(*args, **kwargs)
        self.instruction_id = instruction.pk
        self.fields["files"].widget.attrs["accept"] = EVIDENCE_ACCEPT


class OthersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.year} · {obj.status_label}）"


class LinksForm(forms.Form):
    """Which shortfalls a measure answers, or which measures answer a shortfall (reviewers)."""

    prefix = "links"

    others = OthersChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, item, **kwargs):
        from .choices import ItemKind
        from .selectors import link_candidates

        super().__init__(*args, **kwargs)
        field = self.fields["others"]
        field.queryset = link_candidates(item)
        field.label = (
            _("Shortfalls this measure answers")
            if item.kind == ItemKind.MEASURE
            else _("Measures answering this shortfall")
        )
        if not self.is_bound:
            linked = item.shortfall_list if item.kind == ItemKind.MEASURE else item.measure_list
            self.initial.update(others=[other.pk for other in linked], version=item.version)
