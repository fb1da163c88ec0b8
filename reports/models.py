"""Annual reports and their outline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracker.choices import Framework, Grade

from .choices import ReportState, SectionKind

# Up to the 2020 report the 2015-2020 outline applies; from 2021 the 2021-2025 one.
FIRST_YEAR_OF_2021_FRAMEWORK = 2021


def framework_for_year(year: int) -> str:
    """The national framework whose areas a report of ``year`` uses."""
    return Framework.OUTLINE_2015 if year < FIRST_YEAR_OF_2021_FRAMEWORK else Framework.OUTLINE_2021


def default_government_id() -> int | None:
    """``tracker.models.default_government_id``, asked through the app registry (this module
    sits below tracker's models): the sole government of a tree of one, else None. Asked by
    ``AnnualReport.save`` for a report saved without a government."""
    from django.apps import apps

    return apps.get_model("tracker", "Government").default_id()


class AnnualReport(models.Model):
    """One year's rule-of-law government report: the record the year's items belong to."""

    government = models.ForeignKey(
        "tracker.Government",
        verbose_name=_("government"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    issuer = models.CharField(_("issuer"), max_length=100, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    source_text = models.TextField(_("source text"), blank=True, help_text=_("The full text as imported."))
    source_sha256 = models.CharField(
        _("SHA-256 of the source text"), max_length=64, blank=True, db_index=True
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous year"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next",
    )
    state = models.CharField(_("state"), max_length=10, choices=ReportState, default=ReportState.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["government", "year"], name="report_unique_year_per_government"),
            models.CheckConstraint(
                condition=Q(year__gte=1990) & Q(year__lte=2100), name="report_year_in_range"
            ),
            models.CheckConstraint(condition=Q(state__in=ReportState.values), name="report_state_valid"),
        ]

    def __str__(self):
        return self.title or str(self.year)

    def save(self, *args, **kwargs):
        if self.government_id is None:
            self.government_id = default_government_id()
        super().save(*args, **kwargs)

    @property
    def framework(self) -> str:
        return framework_for_year(self.year)

    @property
    def is_closed(self) -> bool:
        return self.state == ReportState.CLOSED

    @staticmethod
    def closed_q(path: str = "") -> Q:
        """Rows whose report, reached through the lookup ``path`` ("report", "item__report"),
        is closed: what ``is_closed`` answers for one report, asked in a query (see
        ``tracker.years.closed_q``)."""
        return Q(**{f"{path}__state" if path else "state": ReportState.CLOSED})


class Section(models.Model):
    """A node of a report's outline: 一、 / (二) / 三是, with its heading and body."""

    report = models.ForeignKey(
        AnnualReport, verbose_name=_("annual report"), on_delete=models.CASCADE, related_name="sections"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent section"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    number = models.CharField(_("number as printed"), max_length=20, blank=True)
    heading = models.CharField(_("heading"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=SectionKind, default=SectionKind.WORK)
    area = models.ForeignKey(
        "tracker.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sections",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["report", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "order"], name="section_unique_order_per_report"),
            models.CheckConstraint(condition=Q(kind__in=SectionKind.values), name="section_kind_valid"),
        ]

    def __str__(self):
        return f"{self.number}{self.heading}"


class TaskSheet(models.Model):
    """A 任务分解表 imported into a year: the file's fingerprint, so that importing the same
    file into the same year again creates nothing (the unique constraint also settles two
    confirms racing)."""

    report = models.ForeignKey(
        AnnualReport, verbose_name=_("annual report"), on_delete=models.CASCADE, related_name="task_sheets"
    )
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    filename = models.CharField(_("file name"), max_length=255)
    rows = models.PositiveIntegerField(_("tasks created"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task_sheets",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("task list")
        verbose_name_plural = _("task lists")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "sha256"], name="tasksheet_unique_file_per_year"),
        ]

    def __str__(self):
        return f"{self.report.year} · {self.filename}"


class UnitRating(models.Model):
    """The grade a unit earned in one year's assessment (优 / 良 / 中)."""

    report = models.ForeignKey(
        AnnualReport,
        verbose_name=_("annual report"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="ratings"
    )
    grade = models.CharField(_("grade"), max_length=10, choices=Grade)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("unit rating")
        verbose_name_plural = _("unit ratings")
        ordering = ["report", "unit", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "unit"], name="rating_unique_unit_per_year"),
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="rating_grade_valid"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.get_grade_display()}"
