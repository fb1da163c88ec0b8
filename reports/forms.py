import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tracker.selectors import today

from .importing import MAX_BYTES, ReportReadError, read_report_bytes
from .tasksheets import MAX_BYTES as TASK_SHEET_MAX_BYTES


class ReportImportForm(forms.Form):
    """Upload a file or paste the text; the parsed result is shown before anything is written."""

    file = forms.FileField(
        label=_("Report file"),
        required=False,
        help_text=_("Text (.txt, UTF-8 or GBK), Word (.docx) or a web page saved from the portal (.html)."),
    )
    text = forms.CharField(
        label=_("Or paste the report's text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1990,
        max_value=2100,
        help_text=_("Leave empty to take the year from the report's title."),
    )
    replace = forms.BooleanField(
        label=_("Replace the report already imported for this year (items with progress are kept)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("file", "text", "year"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["file"].widget.attrs["accept"] = ".txt,.docx,.html,.htm,text/plain"

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), (cleaned.get("text") or "").strip()
        if upload and text:
            raise ValidationError(_("Upload a file or paste the text, not both."))
        if not upload and not text:
            raise ValidationError(_("Upload the report file or paste its text."))
        if upload:
            if upload.size > MAX_BYTES:
                raise ValidationError(
                    _("The file is too large (%(size)s MB); a report should be under %(limit)s MB.")
                    % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
                )
            try:
                text = read_report_bytes(upload.read(), filename=upload.name)
            except ReportReadError as error:
                raise ValidationError(str(error)) from error
        cleaned["report_text"] = text
        return cleaned


class TaskSheetImportForm(forms.Form):
    """Upload a 任务分解表; every row is shown before anything is written."""

    file = forms.FileField(
        label=_("Task list file (任务分解表)"),
        help_text=_("Excel or WPS (.xlsx), a table in Word (.docx), or .csv (UTF-8 or GBK)."),
    )
    year = forms.IntegerField(
        label=_("Year"),
        min_value=1990,
        max_value=2100,
        help_text=_("The year whose ledger receives the tasks; deadlines without a year are read in it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("file", "year"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.docx,.csv,text/csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > TASK_SHEET_MAX_BYTES:
            raise ValidationError(
                _("The file is too large (%(size)s MB); a task list should be under %(limit)s MB.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": TASK_SHEET_MAX_BYTES // 1024 // 1024}
            )
        self.cleaned_data["data"] = upload.read()
        return upload


class ImportDetailsForm(forms.Form):
    """The report's title, year and issuer, corrected on the import preview."""

    title = forms.CharField(label=_("Report title"), required=False, max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    issuer = forms.CharField(label=_("Issuer"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.update({"class": "form-control form-control-sm", "form": "corrections"})
            field.widget.attrs["data-correction"] = name


class CircularForm(forms.Form):
    """The month of a year whose 通报 (circular) is wanted, as ``YYYY-MM`` (the month picker's
    value): a month of the year, and not one still to come."""

    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        error_messages={"required": _("Choose a month, like 2021-09.")},
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        now = today()
        latest = 12 if now.year > year else now.month if now.year == year else 1
        self.fields["month"].widget = forms.TextInput(
            attrs={
                "type": "month",
                "class": "form-control form-control-sm w-auto",
                "min": f"{year}-01",
                # The picker offers no month still to come.
                "max": f"{year}-{latest:02d}",
                "pattern": r"\d{4}-\d{2}",
            }
        )
        # Unfilled, the picker shows the year's latest month that has begun.
        self.fields["month"].initial = f"{year}-{latest:02d}"

    def clean_month(self) -> int:
        """The month's number (1..12)."""
        value = self.cleaned_data["month"].strip()
        try:
            first = datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise ValidationError(
                _("“%(value)s” is not a month; choose one like 2021-09."), params={"value": value}
            ) from None
        if first.year != self.year:
            raise ValidationError(_("Choose a month of %(year)s."), params={"year": self.year})
        if first > today():
            raise ValidationError(_("%(value)s has not begun yet."), params={"value": value})
        return first.month
