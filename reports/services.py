"""Writes about annual reports: importing a report's text into the ledger."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tracker import history, permissions
from tracker.choices import GovernmentLevel, Grade, ItemKind, ItemStatus, UpdateKind
from tracker.ledger_cache import ledger_changed
from tracker.models import DEFAULT_GOVERNMENT_NAME, Area, Government, Item, Metric, ProgressUpdate, Unit
from tracker.services import Conflict, conflicts_as
from tracker.years import YearClosed, refuse_closed

from .choices import ReportState, SectionKind
from .importing import Corrections, ParsedReport, UnitName, parse_report
from .models import AnnualReport, Section, UnitRating


class ImportRefused(Exception):
    """The import cannot go ahead; the message is translated and fit for the user."""


# What an import or a rollover may answer instead of writing: a refusal of its own, or a
# closed year (tracker.years); both carry a message fit for the user (``str(error)``).
REFUSED = (ImportRefused, YearClosed)


@dataclass
class ImportResult:
    parsed: ParsedReport
    report: AnnualReport | None
    created: bool  # something was written
    duplicate: bool = False  # the same text was imported before
    kept_items: list[Item] = field(default_factory=list)  # items kept on replace (they have progress)
    unit_names: dict[object, str] = field(default_factory=dict)
    government: Government | None = None  # the government imported into

    @classmethod
    def already_there(cls, parsed, report, unit_names, government) -> ImportResult:
        """The answer to an import of a text imported before (into ``report``): nothing written."""
        return cls(
            parsed=parsed,
            report=report,
            created=False,
            duplicate=True,
            unit_names=unit_names,
            government=government,
        )

    @property
    def work_year(self) -> dict[str, int | None]:
        """The year each kind of item lands in: achievements in the report's year, its
        shortfalls and measures (the work they call for) in the next."""
        year = self.parsed.year
        return {"achievements": year, "shortfalls": year + 1, "measures": year + 1}

    @property
    def links(self) -> list[dict]:
        """Each measure with the shortfalls the text says it answers, and whether it could tell."""
        items = self.parsed.items
        return [
            {
                "measure": item.title,
                "shortfalls": [items[n].title for n in item.answers],
                "sure": item.link_sure,
            }
            for item in items
            if item.kind == ItemKind.MEASURE
        ]

    @property
    def units_matched(self) -> list[str]:
        seen: list[str] = []
        for item in self.parsed.items:
            for key in item.unit_keys:
                name = self.unit_names.get(key)
                if name and name not in seen:
                    seen.append(name)
        return seen


def import_government(government: Government | None = None, *, issuer: str = "") -> Government:
    """The government an import writes into: ``government`` when given; else the
    installation's only one; else, on an installation with none yet, a new one (not saved
    until the import writes), named from settings.LEDGER_GOVERNMENT_NAME, else the report's
    ``issuer``, else 本级政府. With several governments and none given, ImportRefused: an
    import never guesses among governments."""
    if government is not None:
        return government
    found = list(Government.objects.order_by("path", "pk")[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        name = getattr(settings, "LEDGER_GOVERNMENT_NAME", "") or issuer.strip() or DEFAULT_GOVERNMENT_NAME
        return Government(name=name[:100])
    raise ImportRefused(
        _("This installation keeps the ledgers of several governments: say which government to import into.")
    )


# A government's level read from the end of its name (新乡市人民政府: a city), and otherwise
# the level below its parent's.
_LEVEL_SUFFIXES = (
    ("街道", GovernmentLevel.TOWNSHIP),
    ("乡", GovernmentLevel.TOWNSHIP),
    ("镇", GovernmentLevel.TOWNSHIP),
    ("省", GovernmentLevel.PROVINCE),
    ("自治区", GovernmentLevel.PROVINCE),
    ("市", GovernmentLevel.CITY),
    ("州", GovernmentLevel.CITY),
    ("盟", GovernmentLevel.CITY),
    ("县", GovernmentLevel.COUNTY),
    ("区", GovernmentLevel.COUNTY),
    ("旗", GovernmentLevel.COUNTY),
)
_LEVEL_BELOW = {
    GovernmentLevel.PROVINCE: GovernmentLevel.CITY,
    GovernmentLevel.CITY: GovernmentLevel.COUNTY,
    GovernmentLevel.COUNTY: GovernmentLevel.TOWNSHIP,
}


def government_level(name: str, parent: Government | None = None) -> str:
    """The level a government called ``name`` most likely has: from its name's ending
    (人民政府 left aside), else the level below ``parent``'s, else a county."""
    bare = name.strip().removesuffix("人民政府").removesuffix("政府")
    for suffix, level in _LEVEL_SUFFIXES:
        if bare.endswith(suffix):
            return level
    if parent is not None:
        return _LEVEL_BELOW.get(parent.level, GovernmentLevel.DEPARTMENT)
    return GovernmentLevel.COUNTY


def _governments_called(name: str):
    return Government.objects.filter(Q(name=name) | Q(short_name=name)).order_by("path", "pk")


def government_named(name: str, *, parent: str = "", create: bool = True) -> Government:
    """The government called ``name`` (its name or short name), for the import commands'
    ``--government NAME [--parent NAME]``. ``parent`` tells apart governments of one name
    under different parents, and is where a new government goes: a government not found is
    made under ``parent`` (saved only when ``create``; a dry run writes nothing), or at the
    top of the tree on an installation with no government yet; on an installation whose only
    government still bears the default name (本级政府), ``name`` names that one. ImportRefused,
    with what to do, for an unknown parent, an ambiguous name, or a new name without a
    parent."""
    name, parent = name.strip(), parent.strip()
    if not name:
        raise ImportRefused(_("Give the government's name."))
    above = None
    if parent:
        parents = list(_governments_called(parent)[:2])
        if not parents:
            raise ImportRefused(
                _("There is no government called %(name)s to be the parent.") % {"name": parent}
            )
        if len(parents) > 1:
            raise ImportRefused(
                _("Several governments are called %(name)s; give the parent by its full name.")
                % {"name": parent}
            )
        above = parents[0]
    found = _governments_called(name)
    if above is not None:
        found = found.filter(parent=above)
    found = list(found[:2])
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ImportRefused(
            _("Several governments are called %(name)s; say which with --parent.") % {"name": name}
        )
    if above is None:
        unnamed = _unnamed_sole_government()
        if unnamed is not None:
            # The installation's only government, made before anybody named it (本级政府):
            # the first import that names a government names it.
            if create:
                unnamed.name = name[:100]
                unnamed.level = government_level(name)
                unnamed.save(update_fields=["name", "level"])
            return unnamed
    if above is None and Government.objects.exists():
        raise ImportRefused(
            _(
                "There is no government called %(name)s. To add it, say which government it is "
                "below with --parent."
            )
            % {"name": name}
        )
    government = Government(name=name[:100], parent=above, level=government_level(name, above))
    if create:
        government.save()
    return government


def _unnamed_sole_government() -> Government | None:
    """The installation's only government when it still bears the name given by default
    (``Government.default_name``), else None."""
    found = list(Government.objects.order_by("pk")[:2])
    if len(found) == 1 and found[0].name == Government.default_name():
        return found[0]
    return None


def saved_government(government: Government) -> Government:
    """``government`` (from ``import_government``), saved if it is the new one."""
    if government.pk is None:
        government.save()
    return government


def _as_committed(government: Government) -> Government:
    """``government`` as the database holds it after a rolled-back import: the same
    government, or the new one another import saved meanwhile under the same name and parent
    (ours was refused), or still unsaved."""
    if government.pk is not None and Government.objects.filter(pk=government.pk).exists():
        return government
    found = Government.objects.filter(name=government.name, parent_id=government.parent_id).first()
    if found is not None:
        return found
    government.pk = None
    return government


def reports_of(government: Government | None):
    """The reports of ``government``; none of a government not saved yet."""
    if government is None or government.pk is None:
        return AnnualReport.objects.none()
    return AnnualReport.objects.filter(government=government)


def unit_directory(government: Government | None = None) -> tuple[list[UnitName], dict[int, str]]:
    """The active units (of ``government``, when given) as the importer matches them: full
    name, short name and aliases."""
    units = Unit.objects.filter(active=True)
    if government is not None:
        units = units.filter(government_id=government.pk)
    units = list(units.only("pk", "name", "short_name", "aliases"))
    directory = [UnitName(key=u.pk, names=[u.name, u.short_name, *u.alias_list]) for u in units]
    return directory, {u.pk: u.name for u in units}


def text_sha256(text: str, corrections: Corrections | None = None) -> str:
    """The fingerprint of an import: its text, and the reviewer's corrections when there are
    any (the same text read differently is a different import)."""
    if corrections:
        text += "\n" + json.dumps(corrections.to_json(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def report_parse(
    *,
    text: str,
    year: int | None = None,
    corrections: Corrections | None = None,
    government: Government | None = None,
) -> tuple[ParsedReport, dict[int, str]]:
    """Parse ``text`` against the unit directory (of ``government``, when given), refusing what
    cannot become a ledger."""
    directory, names = unit_directory(government)
    parsed = parse_report(text, directory=directory, year=year, corrections=corrections)
    if parsed.year is None:
        raise ImportRefused(
            _("The report's year was not found in its title, signature or first sentence; give the year.")
        )
    if not parsed.items:
        raise ImportRefused(
            _(
                "No numbered sections (一、 (一) 1.) were found, so there is nothing to track. "
                "Check that this is the annual report's full text."
            )
        )
    return parsed, names


def report_import_target(
    *,
    year: int,
    sha: str,
    replace: bool,
    lock: bool = False,
    next_year_work: bool = True,
    government: Government | None = None,
) -> tuple[AnnualReport | None, bool]:
    """The year's existing record of ``government`` (``import_government``: by default the
    only one) or None, and whether it already holds this very text.

    Refuses (YearClosed) a closed year, a closed next year when the report states work for it
    (``next_year_work``: shortfalls or plans), and a year holding a different imported text
    unless ``replace``. ``lock`` (inside a transaction) holds the record until the transaction
    ends, so that two imports of one year cannot both write it.
    """
    records = reports_of(import_government(government))
    records = records.select_for_update() if lock else records
    existing = records.filter(year=year).first()
    if existing is not None and existing.source_sha256 == sha and existing.sections.exists():
        return existing, True
    if next_year_work:  # the report's shortfalls and plans are work of the next year
        refuse_closed(reports_of(import_government(government)).filter(year=year + 1).first())
    if existing is None:
        return None, False
    has_outline = existing.sections.exists()
    if existing.source_sha256 == sha and has_outline:
        return existing, True
    refuse_closed(existing)
    if has_outline and not replace:
        raise ImportRefused(
            _("The year %(year)s already holds a different imported report. Choose to replace it to go on.")
            % {"year": year}
        )
    return existing, False


def report_import(
    *,
    text: str,
    user=None,
    year: int | None = None,
    dry_run: bool = False,
    replace: bool = False,
    source_url: str = "",
    lead_units: dict[int, int | None] | None = None,
    due_on: datetime.date | None = None,
    links: dict[int, list[int]] | None = None,
    corrections: Corrections | None = None,
    government: Government | None = None,
) -> ImportResult:
    """Import the report of year N of ``government`` (by default the installation's only
    government, made from the report's issuer on an installation with none yet; see
    ``import_government``): N's record (sections, metrics) and its items by meaning.

    Each leaf of a work section becomes an achievement of N (done, as the report says); each
    problem a shortfall and each plan or suggestion a measure of N+1 (the record of N+1 is
    created as a draft linked to N when missing), due ``due_on`` (default 31 December N+1),
    with ``stated_in`` N. A measure answers the shortfalls the text tells one by one
    (``ParsedItem.answers``); ``links`` maps a measure's index in ``parsed.items`` to the
    indices of the shortfalls it answers, overriding that (and clearing the flag of a measure
    the text did not tell).

    The same text imported twice creates nothing the second time. A year that already holds a
    different imported text is refused unless ``replace``; replacing keeps the items that have
    progress and reports them in ``kept_items``. ``lead_units`` maps an item's index in
    ``parsed.items`` to a unit id (or None), overriding the suggestion. ``dry_run`` writes
    nothing. ``corrections`` are the reviewer's changes to the outline and metadata, applied
    by the parser (the confirm writes what the preview showed). All or nothing: one transaction.
    """
    if government is None and not Government.objects.exists():
        # An installation with no government yet: the report's issuer may name it.
        government = import_government(issuer=parse_report(text, directory=[], year=year).issuer or "")
    government = import_government(government)
    parsed, names = report_parse(text=text, year=year, corrections=corrections, government=government)
    sha = text_sha256(text, corrections)
    next_year_work = has_next_year_work(parsed)
    existing, duplicate = report_import_target(
        year=parsed.year, sha=sha, replace=replace, next_year_work=next_year_work, government=government
    )
    if duplicate:
        return ImportResult.already_there(parsed, existing, names, government)
    if dry_run:
        return ImportResult(
            parsed=parsed, report=existing, created=False, unit_names=names, government=government
        )
    try:
        with transaction.atomic():
            # Checked again under lock: a second confirm of the same import (a double click, two
            # reviewers) waits for the first, then finds the text there and writes nothing.
            existing, duplicate = report_import_target(
                year=parsed.year,
                sha=sha,
                replace=replace,
                lock=True,
                next_year_work=next_year_work,
                government=government,
            )
            if not duplicate:
                saved_government(government)
                choices = _Choices(
                    lead_units=lead_units or {},
                    due_on=due_on or default_work_due_on(parsed.year),
                    links=links or {},
                )
                report, kept = _write(parsed, text, sha, existing, source_url, choices, user, government)
    except IntegrityError as error:
        # The year's record did not exist to be locked, and another import created it between
        # our check and our insert (the unique year refused ours); on an installation with no
        # government yet, that import may have saved the government too.
        government = _as_committed(government)
        existing, duplicate = report_import_target(
            year=parsed.year, sha=sha, replace=True, next_year_work=next_year_work, government=government
        )
        if not duplicate:
            raise Conflict(
                _(
                    "Someone else imported a report for %(year)s at the same moment, so nothing was "
                    "written. Look at the year's record before importing again."
                )
                % {"year": parsed.year}
            ) from error
    if duplicate:
        return ImportResult.already_there(parsed, existing, names, government)
    return ImportResult(
        parsed=parsed, report=report, created=True, kept_items=kept, unit_names=names, government=government
    )


NEXT_YEAR_KINDS = (ItemKind.SHORTFALL, ItemKind.MEASURE)


def has_next_year_work(parsed: ParsedReport) -> bool:
    return any(item.kind in NEXT_YEAR_KINDS for item in parsed.items)


def default_report_title(year: int) -> str:
    """The name of a report whose text holds no title line (and the reviewer gave none)."""
    return _("%(year)s annual report") % {"year": year}


def default_work_due_on(year: int) -> datetime.date:
    """When the work a report of ``year`` calls for is due, unless the reviewer says otherwise."""
    return datetime.date(year + 1, 12, 31)


@dataclass
class _Choices:
    """What the reviewer chose on the preview."""

    lead_units: dict[int, int | None]
    due_on: datetime.date
    links: dict[int, list[int]]


def next_year_record(report: AnnualReport) -> AnnualReport:
    """The record of the year after ``report``'s (of its government), created as a draft
    linked to it when missing."""
    following = AnnualReport.objects.filter(government_id=report.government_id, year=report.year + 1).first()
    if following is None:
        following = AnnualReport.objects.create(
            government_id=report.government_id,
            year=report.year + 1,
            title=_("%(year)s rule-of-law government construction ledger") % {"year": report.year + 1},
            issuer=report.issuer,
            previous=report,
            state=ReportState.DRAFT,
        )
        ledger_changed()
    elif following.previous_id is None:
        following.previous = report
        following.save(update_fields=["previous", "updated_at"])
        ledger_changed()
    return following


def _write(
    parsed, text, sha, existing, source_url, choices: _Choices, user=None, government=None
) -> tuple[AnnualReport, list[Item]]:
    report = existing or AnnualReport(year=parsed.year, government=government)
    report.title = parsed.title or default_report_title(parsed.year)
    report.issuer = parsed.issuer[:100]
    report.published_on = parsed.published_on
    report.source_text = text
    report.source_sha256 = sha
    report.source_url = source_url or report.source_url
    if report.state == ReportState.DRAFT:
        report.state = ReportState.ACTIVE
    if report.previous_id is None:
        report.previous = AnnualReport.objects.filter(
            government_id=report.government_id, year=parsed.year - 1, next__isnull=True
        ).first()
    report.save()

    kept: list[Item] = []
    if existing is not None:
        # Replacing: what this report wrote (its achievements, and the work it stated for the
        # next year) goes, except items that have progress or were carried over.
        imported = Item.objects.filter(carried_from__isnull=True).filter(
            Q(report=report, stated_in__isnull=True) | Q(stated_in=report)
        )
        worked_on = ProgressUpdate.objects.exclude(kind=UpdateKind.IMPORT).values("item_id")
        kept = list(imported.filter(pk__in=worked_on))
        imported.exclude(pk__in=[i.pk for i in kept]).delete()
        report.sections.all().delete()
    work_report = next_year_record(report) if has_next_year_work(parsed) else None

    areas = {area.code: area for area in Area.objects.all()}
    sections = _write_sections(report, parsed, areas)
    work_order = (
        work_report.items.order_by("-order").values_list("order", flat=True).first() or 0
        if work_report is not None
        else 0
    )
    items = []
    for index, parsed_item in enumerate(parsed.items):
        lead = choices.lead_units.get(index, parsed_item.unit_keys[0] if parsed_item.unit_keys else None)
        item = Item(
            section=sections[id(parsed_item.node)],
            area=areas.get(parsed_item.area),
            kind=parsed_item.kind,
            title=parsed_item.title,
            text=parsed_item.text,
            lead_unit_id=lead,
        )
        if parsed_item.kind in NEXT_YEAR_KINDS:
            item.report, item.year, item.stated_in = work_report, work_report.year, report
            item.due_on = choices.due_on
            item.order = work_order + index + 1
            # Flagged when the text did not tell, unless the reviewer chose its shortfalls.
            item.link_unsure = (
                parsed_item.kind == ItemKind.MEASURE
                and not parsed_item.link_sure
                and not choices.links.get(index)
            )
        else:
            item.report, item.year = report, report.year
            item.status = ItemStatus.DONE
            item.order = index + 1
        items.append(item)
    Item.objects.bulk_create(items)
    # Each item's history opens with where it came from.
    done = history.event(history.REPORT_DONE, title=report.title)
    stated = history.event(history.REPORT_STATED, title=report.title, year=report.year + 1)
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(
                item=item, author=user, kind=UpdateKind.IMPORT, event=done, status_to=ItemStatus.DONE
            )
            if item.kind == ItemKind.ACHIEVEMENT
            else ProgressUpdate(item=item, author=user, kind=UpdateKind.IMPORT, event=stated)
            for item in items
        ]
    )
    Through = Item.addresses.through
    Through.objects.bulk_create(
        [
            Through(from_item_id=item.pk, to_item_id=items[answer].pk)
            for index, (item, parsed_item) in enumerate(zip(items, parsed.items, strict=True))
            if item.kind == ItemKind.MEASURE
            for answer in choices.links.get(index, parsed_item.answers)
            if 0 <= answer < len(items) and items[answer].kind == ItemKind.SHORTFALL
        ]
    )
    metrics = []
    for item, parsed_item in zip(items, parsed.items, strict=True):
        metrics.extend(
            _metric(m, item=item, order=len(metrics) + n) for n, m in enumerate(parsed_item.metrics)
        )
    for node, metric in parsed.section_metrics:
        metrics.append(_metric(metric, section=sections[id(node)], order=len(metrics)))
    Metric.objects.bulk_create(metrics)
    ledger_changed()
    return report, kept


def _metric(metric, *, order, item=None, section=None) -> Metric:
    return Metric(
        item=item,
        section=section,
        label=metric.label,
        value=metric.value,
        unit=metric.unit,
        approximate=metric.approximate,
        order=order,
    )


def _write_sections(report, parsed, areas) -> dict[int, Section]:
    """Write the outline depth by depth (so parents have keys); returns {id(node): Section}."""
    by_node: dict[int, Section] = {}
    order = 0
    depth: dict[int, list] = {}
    body = parsed.cleaned_text
    if parsed.preamble:
        depth.setdefault(0, []).append((None, parsed.root))
    for node in parsed.root.walk():
        if node.rank == 0:
            continue
        depth.setdefault(node.level, []).append((node.parent, node))
    positions = {id(node): n for n, node in enumerate(parsed.root.walk())}
    for level in sorted(depth):
        rows = []
        for parent, node in depth[level]:
            order = positions[id(node)]
            rows.append(
                Section(
                    report=report,
                    parent=by_node.get(id(parent)) if parent is not None and parent.rank else None,
                    level=level,
                    number=node.number[:20],
                    heading=node.heading[:300] if node.rank else "",
                    body="\n".join(body[a:b] for a, b in node.segments),
                    kind=node.kind if node.rank else SectionKind.CONTEXT,
                    area=areas.get(node.area),
                    order=order,
                )
            )
        Section.objects.bulk_create(rows)
        for (_parent, node), section in zip(depth[level], rows, strict=True):
            by_node[id(node)] = section
    return by_node


# -- years: rollover and closing ---------------------------------------------------------


@dataclass
class RolloverPlan:
    """What a rollover carries: each source item and the kind it takes in the new year."""

    source: AnnualReport
    target_year: int
    target: AnnualReport | None  # None until written (or when the record does not exist yet)
    carried: list[tuple[Item, str]] = field(default_factory=list)
    already: int = 0  # items carried by an earlier run
    created_report: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = {"task": 0, "shortfall": 0, "measure": 0}
        for _item, kind in self.carried:
            counts[kind] += 1
        return counts


def _moved_deadline(due_on, to_year: int):
    """The deadline moved into ``to_year`` (same month and day; 29 February becomes the 28th)."""
    if due_on is None or due_on.year >= to_year:
        return due_on
    try:
        return due_on.replace(year=to_year)
    except ValueError:
        return datetime.date(to_year, 2, 28)


def _area_in_framework(area, framework: str, areas_by_code: dict):
    """The same area in the new year's framework (2015-rules → 2021-rules), else unchanged."""
    if area is None or area.framework == framework or area.framework == "cross":
        return area
    suffix = area.code.split("-", 1)[-1]
    return areas_by_code.get(f"{framework[:4]}-{suffix}", area)


def rollover_plan(*, from_year: int, to_year: int, government: Government | None = None) -> RolloverPlan:
    """What ``year_rollover`` would carry, without writing: every item of ``from_year`` (of
    ``government``, by default the only one) not done, and the measures of every open
    shortfall (as tasks), that no earlier run carried."""
    government = import_government(government)
    source = reports_of(government).filter(year=from_year).first()
    if source is None:
        raise ImportRefused(_("There is no record for the year %(year)s.") % {"year": from_year})
    if to_year != from_year + 1:
        raise ImportRefused(_("A year rolls over into the next one only."))
    items = list(
        source.items.exclude(kind=ItemKind.ACHIEVEMENT)  # the year's record, never work to carry
        .select_related("area", "lead_unit", "assignee")
        .prefetch_related("cooperating_units", "addresses")
        .order_by("order", "pk")
    )
    open_shortfalls = {i.pk for i in items if i.kind == "shortfall" and i.status != "done"}
    carried_ids = set(Item.objects.filter(carried_from__in=items).values_list("carried_from_id", flat=True))
    plan = RolloverPlan(
        source=source, target_year=to_year, target=reports_of(government).filter(year=to_year).first()
    )
    for item in items:
        answers_open = item.kind == "measure" and any(s.pk in open_shortfalls for s in item.addresses.all())
        if item.status == "done" and not answers_open:
            continue
        if item.pk in carried_ids:
            plan.already += 1
            continue
        plan.carried.append((item, "task" if answers_open else item.kind))
    return plan


def year_rollover(
    *, from_year: int, to_year: int, user, keep_status: bool = False, government: Government | None = None
) -> RolloverPlan:
    """Carry ``from_year`` into ``to_year``: the next year's record (created, linked to the
    last, when missing), a new item for each unfinished item (``carried_from`` set, same
    units and responsible person, deadline moved into the new year, status reset to not
    started unless ``keep_status``), and the measures of open shortfalls as tasks.

    Running it again carries nothing twice. One transaction. Refuses (YearClosed) a closed target year.
    """
    from tracker import permissions

    if not permissions.can_manage_years(user):
        raise PermissionDenied
    conflict = _(
        "Someone else carried %(year)s over, or created the record of %(next)s, at the same moment, "
        "so nothing was written. What is left to carry is shown below."
    ) % {"year": from_year, "next": to_year}
    with conflicts_as(conflict), transaction.atomic():
        # Two rollovers of one year take turns: the second then finds everything carried.
        government = import_government(government)
        reports_of(government).select_for_update().filter(year=from_year).first()
        plan = rollover_plan(from_year=from_year, to_year=to_year, government=government)
        target = plan.target
        refuse_closed(target)
        if target is None:
            source = plan.source
            target = AnnualReport.objects.create(
                government_id=source.government_id,
                year=to_year,
                title=_("%(year)s rule-of-law government construction ledger") % {"year": to_year},
                issuer=source.issuer,
                previous=source if not hasattr(source, "next") else None,
                state=ReportState.DRAFT,
            )
            plan.created_report = True
        elif target.previous_id is None and not AnnualReport.objects.filter(previous=plan.source).exists():
            target.previous = plan.source
            target.save(update_fields=["previous", "updated_at"])
        plan.target = target
        areas = {area.code: area for area in Area.objects.all()}
        start = (target.items.order_by("-order").values_list("order", flat=True).first() or 0) + 10000
        carried = history.event(history.CARRIED, year=from_year)
        carried_now = []
        for n, (item, kind) in enumerate(plan.carried):
            new = Item.objects.create(
                report=target,
                year=to_year,
                area=_area_in_framework(item.area, target.framework, areas),
                kind=kind,
                title=item.title,
                text=item.text,
                order=start + n,
                lead_unit=item.lead_unit,
                assignee=item.assignee,
                responsible_name=item.responsible_name,
                responsible_post=item.responsible_post,
                responsible_phone=item.responsible_phone,
                stated_in_id=item.stated_in_id,
                ongoing=item.ongoing,
                due_on=_moved_deadline(item.due_on, to_year),
                status=item.status
                if keep_status and item.status != ItemStatus.DONE
                else ItemStatus.NOT_STARTED,
                carried_from=item,
            )
            new.cooperating_units.set(item.cooperating_units.all())
            ProgressUpdate.objects.create(item=new, author=user, kind=UpdateKind.ASSIGNMENT, event=carried)
            carried_now.append((item, new))
        # What answered a shortfall last year answers its carried copy this year.
        copies = dict(
            Item.objects.filter(report=target, carried_from__kind="shortfall").values_list(
                "carried_from_id", "pk"
            )
        )
        Through = Item.addresses.through
        Through.objects.bulk_create(
            [
                Through(from_item_id=new.pk, to_item_id=copies[shortfall.pk])
                for item, new in carried_now
                for shortfall in item.addresses.all()
                if shortfall.pk in copies
            ],
            ignore_conflicts=True,
        )
        ledger_changed()
    return plan


def year_close(*, report: AnnualReport, user) -> AnnualReport:
    """Close a year once its report is published: its record becomes read-only for everyone
    (``tracker.years``). A closed year is not closed again (YearClosed)."""
    from tracker import permissions

    refuse_closed(report)
    if not permissions.can_manage_years(user):
        raise PermissionDenied
    report.state = ReportState.CLOSED
    report.save(update_fields=["state", "updated_at"])
    ledger_changed()
    return report


# -- unit ratings (the scoreboard) ---------------------------------------------------------


def ratings_set(*, report_id: int, user, grades: dict[int, tuple[str, str]]) -> int:
    """Set the year's grade (优 / 良 / 中) and comment of each unit in ``grades``; an empty
    grade removes the unit's rating. All or nothing. Returns how many ratings changed.

    Two reviewers rating the same unit at the same moment: the second save is refused
    (Conflict) and writes nothing."""
    with conflicts_as(
        _(
            "Someone else saved ratings for this year at the same moment, so yours were not saved. "
            "What you entered is kept below, with the current rating shown where it differs; "
            "check them and save again."
        )
    ):
        return _ratings_set(report_id=report_id, user=user, grades=grades)


@transaction.atomic
def _ratings_set(*, report_id: int, user, grades: dict[int, tuple[str, str]]) -> int:
    report = AnnualReport.objects.filter(pk=report_id).first()
    refuse_closed(report)
    if not permissions.can_manage_years(user):
        raise PermissionDenied
    bad = [grade for grade, _comment in grades.values() if grade and grade not in Grade.values]
    if bad:
        raise ValidationError(_("Unknown grade: %(grade)s") % {"grade": bad[0]})
    existing = {r.unit_id: r for r in UnitRating.objects.filter(report_id=report_id, unit_id__in=grades)}
    changed = 0
    for unit_id, (grade, comment) in grades.items():
        comment = (comment or "").strip()
        rating = existing.get(unit_id)
        if not grade:
            if rating is not None:
                rating.delete()
                changed += 1
            continue
        if rating is None:
            UnitRating.objects.create(report_id=report_id, unit_id=unit_id, grade=grade, comment=comment)
            changed += 1
        elif (rating.grade, rating.comment) != (grade, comment):
            rating.grade, rating.comment = grade, comment
            rating.save(update_fields=["grade", "comment"])
            changed += 1
    if changed:
        ledger_changed()
    return changed
