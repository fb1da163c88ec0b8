"""Units, areas, ledger items and their history.

Items point at annual reports and sections with string references (``"reports.AnnualReport"``).
The layers: ``utilities`` (domain-free) < ``reports.models`` (the years and their outline: the
data the ledger hangs from, importing only ``tracker.choices``) < ``tracker`` (units, items,
their work) < the rest of ``reports`` (import, the year's pages, the scoreboard and ratings,
exports). So tracker's selectors and filters may import ``reports.models``, and nothing else of
reports; no module imports back up.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from utilities.people import official_label, user_label

from . import roles
from .choices import (
    ExtensionDecision,
    Framework,
    GovernmentLevel,
    ItemKind,
    ItemStatus,
    MessageKind,
    ReviewDecision,
    UnitKind,
    UpdateKind,
)
from .evidence import is_previewable
from .workflow import STATUS_COLOURS, status_label

# The name a government gets when nothing says otherwise (settings.LEDGER_GOVERNMENT_NAME unset,
# no report to read an issuer from): "this level's government".
DEFAULT_GOVERNMENT_NAME = "本级政府"
PATH_SEPARATOR = "."


class Government(models.Model):
    """A government whose ledger this installation keeps (新乡县人民政府), in a tree: 省 → 市 →
    县/区 → 乡镇/街道, and departments that file their own reports. Every unit and every report
    belongs to one; a supervisor of a city sees every government below it.

    ``path`` is the materialized path: the ancestors' ids and its own, zero-padded, each followed
    by a dot ("00001.00005."). A subtree is one indexed condition, ``path__startswith`` (the dot
    keeps "00001." from matching "000012."); the unique index on ``path`` serves it (on
    PostgreSQL Django adds its ``varchar_pattern_ops`` twin for LIKE 'x%').
    """

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    level = models.CharField(
        _("level"), max_length=20, choices=GovernmentLevel, default=GovernmentLevel.COUNTY
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent government"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path in the tree"), max_length=255, unique=True, editable=False)

    class Meta:
        verbose_name = _("government")
        verbose_name_plural = _("governments")
        ordering = ["path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="government_unique_name_per_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="government_unique_root_name"
            ),
            models.CheckConstraint(
                condition=Q(level__in=GovernmentLevel.values), name="government_level_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """Keep ``path`` (and, when the parent changed, every descendant's) in step with the
        tree. A new government is written once for its id, then its path is set from it."""
        with transaction.atomic():
            if self.pk is None:
                self.path = f"new-{uuid.uuid4().hex}"
                super().save(*args, **kwargs)
                self.path = self.expected_path()
                super().save(update_fields=["path"])
                return
            old_path = Government.objects.filter(pk=self.pk).values_list("path", flat=True).first()
            self.path = self.expected_path()
            if old_path and self.path != old_path and self.path.startswith(old_path):
                raise ValueError("a government cannot be moved below itself")
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self._move_descendants(old_path, self.path)

    def clean(self):
        super().clean()
        if self.pk is not None and self.parent_id is not None:
            parent = Government.objects.filter(pk=self.parent_id).values_list("path", flat=True).first() or ""
            own = Government.objects.filter(pk=self.pk).values_list("path", flat=True).first() or "-"
            if parent.startswith(own):
                raise ValidationError(
                    {"parent": _("A government cannot be placed below itself or a government below it.")}
                )

    def expected_path(self) -> str:
        parent_path = Government.objects.get(pk=self.parent_id).path if self.parent_id else ""
        return f"{parent_path}{self.pk:05d}{PATH_SEPARATOR}"

    @staticmethod
    def _move_descendants(old_path: str, new_path: str) -> None:
        Government.objects.filter(path__startswith=old_path).exclude(path=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
        )

    @property
    def depth(self) -> int:
        """1 at the top of the tree, 2 below it, and so on."""
        return self.path.count(PATH_SEPARATOR)

    @property
    def depth_range(self) -> range:
        """What a template loops over to indent the government by its depth."""
        return range(self.depth - 1)

    def subtree(self):
        """This government and every one below it: one indexed condition."""
        return Government.objects.filter(path__startswith=self.path)

    @classmethod
    def default_name(cls) -> str:
        return getattr(settings, "LEDGER_GOVERNMENT_NAME", "") or DEFAULT_GOVERNMENT_NAME

    @classmethod
    def sole(cls) -> "Government | None":
        """The installation's only government, made (named ``default_name``) when there is none
        yet; None when there are several (then every writer must say which)."""
        governments = list(cls.objects.order_by("pk")[:2])
        if not governments:
            return cls.objects.create(name=cls.default_name())
        return governments[0] if len(governments) == 1 else None

    @classmethod
    def default_id(cls) -> int | None:
        government = cls.sole()
        return government.pk if government is not None else None


def default_government_id() -> int | None:
    """The government of a unit or report saved without one: on an installation of one
    government (a tree of one), that government (made, named ``Government.default_name``,
    when there is none yet), so what was written before governments existed still writes;
    with several, None, and the database refuses a row that says no government. Asked by
    ``save()``, never as a field default: the schema editor calls those during migrations."""
    return Government.default_id()


class Affiliation(models.Model):
    """The government a user works for (所属政府): what he or she sees is that government and
    every government below it. Reviewers and leaders may belong to no unit, so the government
    is told here rather than derived from memberships; a user without one sees the only
    government of a one-government installation, or (an administrator) the whole tree."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="affiliation"
    )
    government = models.ForeignKey(
        Government, verbose_name=_("government"), on_delete=models.PROTECT, related_name="affiliations"
    )

    class Meta:
        verbose_name = _("government of a user")
        verbose_name_plural = _("governments of users")
        ordering = ["government", "user", "pk"]

    def __str__(self):
        return f"{self.user} · {self.government}"

    def clean(self):
        """A user's units are units of his government."""
        super().clean()
        if self.user_id is None or self.government_id is None:
            return
        elsewhere = (
            Unit.objects.filter(memberships__user_id=self.user_id)
            .exclude(government_id=self.government_id)
            .order_by("name")
            .first()
        )
        if elsewhere is not None:
            raise ValidationError(
                {
                    "government": _(
                        "This user belongs to %(unit)s, a unit of %(government)s: a user's units "
                        "are units of his or her government."
                    )
                    % {"unit": elsewhere.name, "government": elsewhere.government}
                }
            )


class Unit(models.Model):
    """A department, township or office that leads or cooperates on items."""

    # Filled in by save() on an installation of one government (default_government_id).
    government = models.ForeignKey(
        Government, verbose_name=_("government"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    aliases = models.TextField(
        _("aliases"),
        blank=True,
        help_text=_("Other names the reports use, one per line."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        verbose_name=_("members"),
        related_name="units",
        blank=True,
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "order", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["government", "name"], name="unit_unique_name_per_government")
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.government_id is None:
            self.government_id = default_government_id()
        super().save(*args, **kwargs)

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class Membership(models.Model):
    """A user's belonging to a unit; a user may belong to several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships"
    )
    # 单位负责人: hears first when one of the unit's items is long overdue (tracker/escalation.py).
    is_head = models.BooleanField(
        _("head of the unit"),
        default=False,
        help_text=_("Told when an item the unit leads is overdue by more than the set number of days."),
    )

    class Meta:
        verbose_name = _("unit membership")
        verbose_name_plural = _("unit memberships")
        ordering = ["unit", "user", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique_user_unit")]

    def __str__(self):
        return f"{self.user} @ {self.unit}"

    def clean(self):
        """A user's units are all of one government, his own (``Affiliation``) when he has one:
        the admin says so in Chinese rather than let a county's user into another's unit."""
        super().clean()
        if self.user_id is None or self.unit_id is None:
            return
        unit = Unit.objects.select_related("government").get(pk=self.unit_id)
        affiliation = Affiliation.objects.filter(user_id=self.user_id).select_related("government").first()
        if affiliation is not None and affiliation.government_id != unit.government_id:
            raise ValidationError(
                {
                    "unit": _(
                        "%(unit)s is a unit of %(unit_government)s, but this user works for "
                        "%(government)s: choose a unit of %(government)s."
                    )
                    % {
                        "unit": unit.name,
                        "unit_government": unit.government,
                        "government": affiliation.government,
                    }
                }
            )
        other = (
            Membership.objects.filter(user_id=self.user_id)
            .exclude(pk=self.pk)
            .exclude(unit__government_id=unit.government_id)
            .select_related("unit__government")
            .first()
        )
        if other is not None:
            raise ValidationError(
                {
                    "unit": _(
                        "%(unit)s is a unit of %(unit_government)s, but this user belongs to %(other)s "
                        "of %(government)s: a user's units are units of one government."
                    )
                    % {
                        "unit": unit.name,
                        "unit_government": unit.government,
                        "other": other.unit.name,
                        "government": other.unit.government,
                    }
                }
            )


class Area(models.Model):
    """A standard area of rule-of-law government work, within a national framework."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    framework = models.CharField(_("framework"), max_length=20, choices=Framework)
    order = models.PositiveIntegerField(_("order"), default=0)
    # The leaders who follow the area (分管领导): told when one of its items is long overdue,
    # after the lead unit's head (tracker/escalation.py). Set in the administration.
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leaders following it"),
        blank=True,
        limit_choices_to={"groups__name": roles.LEADER},
        related_name="followed_areas",
        help_text=_("Told when an item of the area is overdue by more than the set number of days."),
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["framework", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "name"], name="area_unique_name_per_framework"),
        ]

    def __str__(self):
        return self.name


class Item(models.Model):
    """A trackable ledger item: a task, a shortfall or a measure of one year's report."""

    report = models.ForeignKey(
        "reports.AnnualReport",
        verbose_name=_("annual report"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    # The report's year, kept beside it so that lists sort and filter without joining the
    # reports table. Set by whatever creates the item (the services, importers, rollover, the
    # factories), never by save(): an item never changes report, nor a report its year.
    # No default: an item created without it is refused by the database.
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    section = models.ForeignKey(
        "reports.Section",
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind, default=ItemKind.TASK)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("source text"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_items",
    )
    cooperating_units = models.ManyToManyField(
        Unit, verbose_name=_("cooperating units"), blank=True, related_name="cooperating_items"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_items",
    )
    # A responsible official named without an account (as a 任务分解表 gives it): name, post
    # and phone. Shown where ``assignee`` is empty.
    responsible_name = models.CharField(_("responsible official"), max_length=50, blank=True)
    responsible_post = models.CharField(_("post"), max_length=100, blank=True)
    responsible_phone = models.CharField(_("phone"), max_length=30, blank=True)
    due_on = models.DateField(_("deadline"), null=True, blank=True)
    # 长期坚持 / 持续推进 / 常态化: no fixed date; reviewed at the year's end.
    ongoing = models.BooleanField(
        _("ongoing"), default=False, help_text=_("No fixed deadline: reviewed at the end of the year.")
    )
    status = models.CharField(_("status"), max_length=20, choices=ItemStatus, default=ItemStatus.NOT_STARTED)
    # When it was last submitted for review: the review queue's order (oldest first). Kept
    # beside the history entry that records the same moment, so that the queue reads one
    # index instead of every submitted item's history.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    addresses = models.ManyToManyField(
        "self",
        verbose_name=_("shortfalls addressed"),
        symmetrical=False,
        blank=True,
        related_name="measures",
        help_text=_("For a measure: the shortfalls it answers."),
    )
    # The report that stated it: a shortfall or plan of the report of year N is work of N+1
    # (``report``) stated in N's report (``stated_in``). Empty for tasks added otherwise.
    stated_in = models.ForeignKey(
        "reports.AnnualReport",
        verbose_name=_("stated in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stated_items",
    )
    # A measure whose shortfall(s) the importer could not tell from the text: a reviewer
    # should link it (import preview or item page). Cleared when someone sets its links.
    link_unsure = models.BooleanField(_("links to check"), default=False)
    carried_from = models.OneToOneField(
        "self",
        verbose_name=_("carried from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_to",
    )
    # When a reviewer approved it: a recorded event (the on-time rate compares it with the
    # deadline), written by the review service, never edited.
    done_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ledger item")
        verbose_name_plural = _("ledger items")
        ordering = ["report", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ItemKind.values), name="item_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="item_status_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="item_title_not_empty"),
            # As the report's own year: an item written without its year is refused.
            models.CheckConstraint(
                condition=Q(year__gte=1990) & Q(year__lte=2100), name="item_year_in_range"
            ),
        ]
        indexes = [
            models.Index(fields=["-year", "order", "id"], name="item_year_order_idx"),
            models.Index(fields=["year", "status"], name="item_year_status_idx"),
            models.Index(fields=["report", "status"], name="item_report_status_idx"),
            models.Index(fields=["lead_unit", "status"], name="item_lead_status_idx"),
            models.Index(fields=["status", "due_on"], name="item_status_due_idx"),
            models.Index(fields=["due_on"], name="item_due_idx"),
            # The review queue: submitted items, oldest submission first.
            models.Index(fields=["status", "submitted_at", "id"], name="item_status_submitted_idx"),
            # The year page: counts by section, and the first items of each section in order.
            models.Index(fields=["report", "section", "order", "id"], name="item_report_section_idx"),
            # Dashboard and scoreboard figures: PostgreSQL counts a year from this index alone.
            models.Index(
                fields=["year", "area", "lead_unit"],
                include=["status", "kind", "due_on", "done_at", "id"],
                name="item_figures_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:item", args=[self.pk])

    @property
    def is_achievement(self) -> bool:
        return self.kind == ItemKind.ACHIEVEMENT

    @property
    def responsible(self) -> str:
        """Who answers for it, as people write it: the user's name, else the named official."""
        if self.assignee_id is not None:
            return user_label(self.assignee)
        return self.responsible_name

    @property
    def responsible_label(self) -> str:
        """``responsible`` as lists and exports show it: the user's name, else the named
        official with his or her post (王明（副局长）); empty when nobody is named."""
        if self.assignee_id is not None:
            return self.responsible
        return official_label(self.responsible_name, self.responsible_post)

    @property
    def status_label(self) -> str:
        return status_label(self.kind, self.status)

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "secondary")


class Metric(models.Model):
    """A quantity a report states, tied to the item or section whose text holds it."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.CASCADE, related_name="metrics"
    )
    section = models.ForeignKey(
        "reports.Section",
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="metrics",
    )
    label = models.CharField(_("label"), max_length=300)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("unit of measure"), max_length=10, blank=True)
    approximate = models.BooleanField(_("approximate"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=False) | Q(section__isnull=False), name="metric_has_item_or_section"
            ),
        ]

    def __str__(self):
        prefix = "~" if self.approximate else ""
        return f"{self.label}: {prefix}{self.value.normalize():f}{self.unit}"


class ProgressUpdate(models.Model):
    """One entry of an item's history. Append-only: rows are never edited."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="progress_updates",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UpdateKind, default=UpdateKind.PROGRESS)
    # What a person wrote (a progress note, a reason, a comment), as written.
    note = models.TextField(_("note"), blank=True)
    status_from = models.CharField(_("status before"), max_length=20, choices=ItemStatus, blank=True)
    status_to = models.CharField(_("status after"), max_length=20, choices=ItemStatus, blank=True)
    # The leader's instruction a reply (反馈) answers or a handling (办结) closes.
    instruction = models.ForeignKey(
        "Instruction",
        verbose_name=_("leader's instruction"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="updates",
    )
    # What the entry says by itself (an assignment's changes, an import), as data, put into words
    # in the reader's language (tracker/history.py). Empty on entries written before it, whose
    # note holds those words.
    event = models.JSONField(_("event"), default=dict, blank=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["item", "-created_at"], name="update_item_created_idx"),
            models.Index(fields=["status_to", "item"], name="update_status_to_item_idx"),
        ]

    def __str__(self):
        # In local time, as the pages show it (the admin's history rows are titled with it).
        return f"{self.item} · {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """What the entry says, in the active language: its event's words, then the note."""
        from .history import describe

        return "\n".join(part for part in (describe(self.event), self.note) if part)


class Evidence(models.Model):
    """A file attached to a progress update, stored under a random name."""

    update = models.ForeignKey(
        ProgressUpdate, verbose_name=_("progress update"), on_delete=models.CASCADE, related_name="evidence"
    )
    # The update's item, kept on the file too: counting a year's files per unit (scoreboard)
    # then joins items alone instead of a million history rows.
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="evidence", editable=False
    )
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.original_name

    @property
    def previewable(self) -> bool:
        """Whether it opens in the browser (PDF, images) besides being downloaded."""
        return is_previewable(self.content_type)


class Review(models.Model):
    """A reviewer's decision on a submitted item."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision)
    comment = models.TextField(_("comment"), blank=True)
    update = models.OneToOneField(
        ProgressUpdate,
        verbose_name=_("history entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=ReviewDecision.values), name="review_decision_valid"
            ),
            models.CheckConstraint(
                condition=~Q(decision=ReviewDecision.RETURN) | ~Q(comment=""),
                name="review_return_needs_comment",
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.get_decision_display()}"


class ExtensionRequest(models.Model):
    """A lead unit's request for a later deadline (延期申请), and the reviewer's decision.

    ``previous_due_on`` is the deadline when the request was made: the first granted
    request's value is the item's original deadline, and granted requests count its moves.
    """

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="extension_requests",
    )
    previous_due_on = models.DateField(_("deadline before"), null=True, blank=True)
    new_due_on = models.DateField(_("new deadline"))
    reason = models.TextField(_("reason"))
    decision = models.CharField(
        _("decision"), max_length=10, choices=ExtensionDecision, default=ExtensionDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="extension_decisions",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("reviewer's comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=ExtensionDecision.values), name="extension_decision_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_reason_not_empty"),
            # At most one open request per item.
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(decision=ExtensionDecision.PENDING),
                name="extension_one_pending_per_item",
            ),
        ]
        indexes = [models.Index(fields=["decision", "created_at"], name="extension_decision_idx")]

    def __str__(self):
        return f"{self.item} → {self.new_due_on:%Y-%m-%d}"


class Instruction(models.Model):
    """A leader's instruction on an item (领导批示)."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="instructions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="instructions",
    )
    text = models.TextField(_("instruction"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    # Handled (办结): set once, by the leader who gave it or a reviewer, never unset. The
    # replies (反馈) are the item's history entries that point at it (``updates``).
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True, editable=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_instructions",
        editable=False,
    )

    class Meta:
        verbose_name = _("leader's instruction")
        verbose_name_plural = _("leaders' instructions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="instruction_text_not_empty"),
            # Whoever handled it, it was handled at some moment.
            models.CheckConstraint(
                condition=Q(handled_by__isnull=True) | Q(handled_at__isnull=False),
                name="instruction_handler_has_time",
            ),
        ]
        indexes = [
            # The open instructions, oldest first (the dashboard's list).
            models.Index(
                fields=["created_at", "id"],
                condition=Q(handled_at__isnull=True),
                name="instruction_open_idx",
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.text[:20]}"

    @property
    def is_handled(self) -> bool:
        return self.handled_at is not None


class Chase(models.Model):
    """The office or a leader chases an item (催办): what is asked, by whom, when. Each can be
    printed as a 督办通知单, numbered within its year (``number``)."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="chases")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chased by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("what is asked"))
    # Its entry in the item's history: the item page reads chases with the history, no query
    # of their own.
    update = models.OneToOneField(
        ProgressUpdate,
        verbose_name=_("history entry"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chase",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("chase")
        verbose_name_plural = _("chases")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.item} {self.created_at:%Y-%m-%d}"

    @cached_property
    def number(self) -> int:
        """The notice's number: this chase's place among its year's (its government's year:
        each county numbers its own), in the order given (chases are history: none is
        deleted, so a number never changes)."""
        return Chase.objects.filter(item__report_id=self.item.report_id, pk__lte=self.pk).count()


class Follow(models.Model):
    """A leader or reviewer follows an item (关注)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="follows"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("followed item")
        verbose_name_plural = _("followed items")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="follow_unique_user_item")]

    def __str__(self):
        return f"{self.user} ☆ {self.item}"


class Escalation(models.Model):
    """An escalation rule fired for an item (tracker/escalation.py): level 1 told the lead
    unit's head, level 2 the leaders who follow the item's area. At most one per item and
    level: the record that it fired, whoever was told (the messages and the history entry
    say who and what)."""

    class Level(models.IntegerChoices):
        HEAD = 1, _("Head of the lead unit")
        LEADERS = 2, _("Leaders following the area")

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="escalations"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level)
    # How many days overdue the item was when it fired.
    days = models.PositiveIntegerField(_("days overdue"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "level"], name="escalation_once_per_level"),
            models.CheckConstraint(condition=Q(level__in=[1, 2]), name="escalation_level_valid"),
        ]

    def __str__(self):
        return f"{self.item} · {self.get_level_display()}"


class ReminderLog(models.Model):
    """One reminder mail sent to one person on one day: never two on the same day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="reminders"
    )
    sent_on = models.DateField(_("sent on"))
    item_count = models.PositiveIntegerField(_("items named"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "sent_on"], name="reminder_once_per_day")]

    def __str__(self):
        return f"{self.user} · {self.sent_on:%Y-%m-%d}"


# The kinds a daily run writes (tracker/reminders.py): one per item, person and day.
DAILY_MESSAGE_KINDS = (MessageKind.DUE_SOON, MessageKind.OVERDUE)


class Message(models.Model):
    """A message of a person's message centre (/inbox/): what concerns him or her about an
    item. Written by ``tracker.notices.notify`` in the transaction of the event it tells of;
    its sentence is drawn when read, in the reader's language, from ``kind`` and ``data``."""

    # No index of its own: the two indexes below begin with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="inbox",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind)
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="messages")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What a person wrote (a return's comment, an instruction, a reply), as written.
    text = models.TextField(_("text"), blank=True)
    # Values the sentence needs (a date, granted or not), plain JSON; never words.
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The day a daily message (due soon, overdue) is for: one per item, person and day.
    on = models.DateField(_("day"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MessageKind.values), name="message_kind_valid"),
            models.CheckConstraint(
                condition=Q(on__isnull=True) | Q(kind__in=DAILY_MESSAGE_KINDS), name="message_day_only_daily"
            ),
            models.UniqueConstraint(
                fields=["recipient", "item", "on"], condition=Q(on__isnull=False), name="message_once_a_day"
            ),
        ]
        indexes = [
            # A person's messages, newest first (the inbox page).
            models.Index(fields=["recipient", "-created_at", "-id"], name="message_inbox_idx"),
            # The unread ones: the count in the menu bar, the unread filter. Small, as most
            # messages are read.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="message_unread_idx",
            ),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.get_kind_display()} · {self.item}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def sentence(self) -> str:
        """What the message says, in the active language (``text`` is shown beside it)."""
        from .notices import describe

        return describe(self)


class AccessRefusal(models.Model):
    """A request the ledger refused a logged-in person (403, or 404 for what is not theirs):
    who, when, what. Logins and failed logins are kept by django-axes beside it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="access_refusals",
    )
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("address"), max_length=500)
    status = models.PositiveSmallIntegerField(_("answer"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("refused request")
        verbose_name_plural = _("refused requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.method} {self.path} → {self.status}"


class LedgerStamp(models.Model):
    """One row whose ``version`` rises after each committed write to the ledger, so that every
    process knows its cached figures are out of date (tracker.ledger_cache.ledger_changed)."""

    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("ledger version")
        verbose_name_plural = _("ledger version")

    def __str__(self):
        return str(self.version)


class PushTarget(models.Model):
    """A chat group's robot (企业微信 or 钉钉 群机器人) or any address that takes JSON, told of the
    ledger's events: a unit's own group (``unit``) hears of that unit's items, a government's
    group (``government``, no unit) of the items of that government and those below it, a
    target with neither of every item. Configured in the admin; one more global target may be given by the
    environment (tracker.pushes.environment_target)."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")
        JSON = "json", _("JSON (any system)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("format"), max_length=10, choices=Kind, default=Kind.WECOM)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk's 加签 secret (SEC…), or a key to sign JSON with; WeCom uses none."),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="push_targets",
        help_text=_(
            "Empty: every item's events. A unit: only the events of items it leads or cooperates on."
        ),
    )
    government = models.ForeignKey(
        Government,
        verbose_name=_("government"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="push_targets",
        help_text=_(
            "With no unit: the events of this government's items and of the governments below it. "
            "Empty too: every item's events (an installation of one government)."
        ),
    )
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(
        _("quiet until"),
        null=True,
        blank=True,
        help_text=_("Nothing is sent between these times (e.g. 20:00 to 08:00); it waits until they end."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("chat group push")
        verbose_name_plural = _("chat group pushes")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class Push(models.Model):
    """One message to one target: written with the event that causes it, sent later by
    ``manage.py send_notifications`` (outside any request), retried with back-off; the
    outbox is also the log of what was sent and what failed."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    # None: the target the environment gives (LEDGER_WEBHOOK_URL).
    target = models.ForeignKey(
        PushTarget,
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pushes",
    )
    event = models.CharField(_("event"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    item = models.ForeignKey(
        Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("push sent")
        verbose_name_plural = _("pushes sent")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="push_pending_idx"),
        ]

    def __str__(self):
        return f"{self.title} → {self.target or 'LEDGER_WEBHOOK_URL'} ({self.get_state_display()})"
