"""Reads: every query a page makes about items goes through here."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils import timezone

from reports.models import Section

from . import permissions, years
from .choices import ExtensionDecision, ItemKind, ItemStatus, ReviewDecision, UpdateKind
from .ledger_cache import cached
from .lights import Light, light_of, light_q
from .models import (
    Area,
    Chase,
    Evidence,
    ExtensionRequest,
    Follow,
    Instruction,
    Item,
    Membership,
    Metric,
    ProgressUpdate,
    Review,
    Unit,
)
from .workflow import tracked_q

DUE_SOON_DAYS = 14


def today() -> date:
    return timezone.localdate()


def overdue_q(on: date | None = None) -> Q:
    """Overdue: the deadline is past and the item is not done. Derived, never stored. The
    red light (``tracker.lights``) is this condition."""
    return light_q(Light.RED, on or today())


def due_soon_q(on: date | None = None) -> Q:
    """Due within DUE_SOON_DAYS (today included) and not done: the staff home's second list."""
    on = on or today()
    return Q(due_on__gte=on, due_on__lte=on + timedelta(days=DUE_SOON_DAYS)) & ~Q(status=ItemStatus.DONE)


def pending_extension_q() -> Q:
    """Items with an extension request waiting for a decision, none of a closed year (where
    nothing is decided any more): what ``pending_extensions`` lists, as items."""
    pending = ExtensionRequest.objects.filter(decision=ExtensionDecision.PENDING).values("item_id")
    return Q(pk__in=pending) & ~years.closed_q()


def open_instruction_q() -> Q:
    """Items with a leader's instruction not yet handled, none of a closed year: the items of
    ``open_instructions``."""
    waiting = Instruction.objects.filter(handled_at__isnull=True).values("item_id")
    return Q(pk__in=waiting) & ~years.closed_q()


def is_overdue(item: Item, on: date | None = None) -> bool:
    """``overdue_q`` for one item already in hand."""
    return light_of(due_on=item.due_on, status=item.status, on=on or today()) == Light.RED


def reports_visible_to(user) -> QuerySet:
    """The years (annual reports) of the governments ``user`` sees: his government's and those
    below it (``permissions.government_q``)."""
    from reports.models import AnnualReport

    return AnnualReport.objects.filter(permissions.government_q(user))


def governments_visible_to(user) -> QuerySet:
    """The governments ``user`` sees: his own and every one below it, in tree order."""
    from .models import Government

    return Government.objects.filter(permissions.government_q(user, "")).order_by("path", "pk")


def items_visible_to(user) -> QuerySet[Item]:
    """The items ``user`` may see. First the governments: only items of years of his
    government and those below it (a subquery on the reports, one indexed prefix match on the
    tree's path). Then the role: all of them for reviewers and leaders; for staff, those their
    units lead or cooperate on. No DISTINCT: cooperation is matched by a subquery."""
    items = Item.objects.all()
    scope = permissions.government_scope(user)
    if scope == permissions.NOWHERE:
        return items.none()
    if scope != permissions.WHOLE_TREE:
        items = items.filter(report_id__in=reports_visible_to(user).values("pk"))
    if permissions.sees_all_items(user):
        return items
    units = permissions.unit_ids(user)
    if not units:
        return items.none()
    cooperating = Item.cooperating_units.through.objects.filter(unit_id__in=units).values("item_id")
    return items.filter(Q(lead_unit_id__in=units) | Q(pk__in=cooperating))


# -- choices of the searchable selects (tracker.widgets) -----------------------------------
# The filters and the assignment forms validate against the first two; the endpoints that
# feed the selects (tracker.views.autocomplete_*) search them.


def units_to_choose(user=None) -> QuerySet[Unit]:
    """The units that may lead or cooperate on an item (and be filtered on): active ones, of
    the governments ``user`` sees (every government's for None: the command line)."""
    units = Unit.objects.filter(active=True)
    if user is not None:
        units = units.filter(permissions.government_q(user))
    return units.order_by("kind", "order", "name", "pk")


def people_to_choose(user=None) -> QuerySet:
    """The people who may be made responsible for an item: users of at least one unit (of
    the governments ``user`` sees)."""
    members = Membership.objects.all()
    if user is not None:
        members = members.filter(permissions.government_q(user, "unit__government"))
    return get_user_model().objects.filter(pk__in=members.values("user_id")).order_by("username")


def units_matching(text: str, user=None) -> QuerySet[Unit]:
    """Units to choose whose name, short name or an alias holds ``text``, by name."""
    units = units_to_choose(user)
    if text:
        units = units.filter(
            Q(name__icontains=text) | Q(short_name__icontains=text) | Q(aliases__icontains=text)
        )
    return units.order_by("name", "pk")


def people_matching(text: str, *, unit_id: int | None = None, user=None) -> QuerySet:
    """People to choose (members of ``unit_id`` only, when given) whose name or user name
    holds ``text``, by the name shown (full name, else user name); of the governments
    ``user`` sees."""
    memberships = Membership.objects.all() if unit_id is None else Membership.objects.filter(unit_id=unit_id)
    if user is not None:
        memberships = memberships.filter(permissions.government_q(user, "unit__government"))
    people = get_user_model().objects.filter(pk__in=memberships.values("user_id"))
    if text:
        people = people.filter(
            Q(username__icontains=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text)
        )
    shown = Coalesce(NullIf(Trim(Concat("first_name", Value(" "), "last_name")), Value("")), "username")
    return people.only("username", "first_name", "last_name").order_by(shown, "pk")


def areas_matching(text: str) -> QuerySet[Area]:
    """Areas whose name holds ``text``, in the frameworks' own order (the outlines number
    them; code-point order of their Chinese names would mean nothing to a reader)."""
    areas = Area.objects.all()
    return areas.filter(name__icontains=text) if text else areas


# -- linked items ---------------------------------------------------------------------------
# A measure answers shortfalls; an item carried into the next year points back at last year's.
# Either end may belong to another unit, so wherever an item shows a linked one, the other end
# is checked against items_visible_to inside the query already made (a subquery, never a query
# per link), and what the viewer may not see becomes a bare count ("Items of other units: N").
# ``user`` None stands for the command line, which sees every item.


def _sees_every_item(user) -> bool:
    return user is None or permissions.sees_all_items(user)


def visible_item_q(user, field: str = "pk") -> Q | None:
    """The condition "``field`` (``pk``, or a foreign key to an item) is an item ``user`` may
    see", as a subquery of ``items_visible_to``; None when ``user`` sees every item."""
    if _sees_every_item(user):
        return None
    return Q(**{f"{field}__in": items_visible_to(user).values("pk")})


def _visible_flag(user, field: str) -> Expression:
    condition = visible_item_q(user, field)
    return Value(True) if condition is None else ExpressionWrapper(condition, output_field=BooleanField())


def with_carried(items: QuerySet[Item], user, *, ends=("carried_from", "carried_to")) -> QuerySet[Item]:
    """``items`` with the item each was carried from and/or into (``ends``) and whether
    ``user`` may see it, in the same query; ``carried_ends(item)`` reads them."""
    flags = {}
    if "carried_from" in ends:
        flags["carried_from_visible"] = _visible_flag(user, "carried_from_id")
    if "carried_to" in ends:
        flags["carried_to_visible"] = (
            Value(True)
            if _sees_every_item(user)
            else Exists(items_visible_to(user).filter(carried_from_id=OuterRef("pk")))
        )
    return items.select_related(*ends).annotate(**flags)


def carried_ends(item: Item) -> Item:
    """Set on ``item`` (fetched through ``with_carried``) ``carried_from_item`` and
    ``carried_to_item``, the linked item when the viewer may see it (else None), and
    ``carried_from_hidden`` / ``carried_to_hidden``, true when there is one he or she may not
    see. An end not fetched counts as hidden: nothing shows by mistake."""
    try:
        carried_to = item.carried_to if hasattr(item, "carried_to_visible") else None
    except Item.DoesNotExist:
        carried_to = None
    carried_from = item.carried_from if hasattr(item, "carried_from_visible") else None
    for end, linked, has_one in (
        ("carried_from", carried_from, item.carried_from_id is not None),
        ("carried_to", carried_to, carried_to is not None),
    ):
        shown = linked is not None and bool(getattr(item, f"{end}_visible", False))
        setattr(item, f"{end}_item", linked if shown else None)
        setattr(item, f"{end}_hidden", has_one and not shown)
    return item


def with_measures(shortfalls: QuerySet[Item], user, *, measures: QuerySet[Item]) -> QuerySet[Item]:
    """``shortfalls``, each with ``measure_list`` (the measures answering it that ``user`` may
    see, taken from ``measures`` in its order) and ``hidden_measures`` (how many others answer
    it). One query for every shortfall's measures; the count is a subquery of the shortfalls'."""
    hidden = Value(0)
    condition = visible_item_q(user, "from_item_id")
    if condition is not None:
        measures = measures.filter(visible_item_q(user))
        others = (
            Item.addresses.through.objects.filter(to_item_id=OuterRef("pk"))
            .exclude(condition)
            .order_by()
            .values("to_item_id")
            .annotate(n=Count("*"))
            .values("n")
        )
        hidden = Coalesce(Subquery(others), 0)
    return shortfalls.annotate(hidden_measures=hidden).prefetch_related(
        Prefetch("measures", queryset=measures, to_attr="measure_list")
    )


def items_for_list(user, *, own_units_only: bool = False) -> QuerySet[Item]:
    """Items for the list page and its exports, with what each row shows.

    ``own_units_only`` narrows staff to the items their units lead (the default view);
    it changes nothing for reviewers and leaders.
    """
    items = items_visible_to(user)
    if own_units_only and not permissions.sees_all_items(user):
        items = items.filter(lead_unit_id__in=permissions.unit_ids(user))
    # Not the report: rows carry their year, and a report row holds the whole source text.
    # Cooperating units: cooperating_unit_names, for the rows of one page.
    return items.select_related("area", "lead_unit", "assignee").annotate(
        is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField())
    )


def chase_counts(item_ids) -> dict[int, int]:
    """``{item id: how many times it was chased (催办)}`` for the items chased at least once:
    one query."""
    rows = Chase.objects.filter(item_id__in=item_ids).values_list("item_id").annotate(n=Count("pk"))
    return dict(rows.order_by())


def cooperating_unit_names(item_ids, *, short: bool = True) -> dict[int, list[str]]:
    """``{item id: [name of each cooperating unit, in the units' order]}``, the short name
    where a unit has one when ``short`` (the list page), else the full name (exports): one
    query of plain values (a prefetch made a unit instance per row, a tenth of the list
    page's time)."""
    names = defaultdict(list)
    rows = (
        Item.cooperating_units.through.objects.filter(item_id__in=item_ids)
        .order_by("unit__kind", "unit__order", "unit__name", "unit_id")
        .values_list("item_id", "unit__short_name" if short else "unit__name", "unit__name")
    )
    for item_id, name, full_name in rows:
        names[item_id].append(name or full_name)
    return names


def status_counts(items: QuerySet[Item]) -> dict[str, int]:
    """``{status: count}`` over ``items`` in one GROUP BY query."""
    counts = dict.fromkeys(ItemStatus.values, 0)
    for row in items.order_by().values("status").annotate(n=Count("*")):
        counts[row["status"]] = row["n"]
    return counts


def status_counts_capped(items: QuerySet[Item], *, cap: int) -> dict[str, int] | None:
    """``{status: count}`` over ``items``, or None when they are more than ``cap``.

    Reads at most ``cap + 1`` statuses, so the database stops scanning as soon as it has
    found that many (a free-text search over a province's texts need not read them all).
    """
    statuses = list(items.order_by().values_list("status", flat=True)[: cap + 1])
    if len(statuses) > cap:
        return None
    counts = dict.fromkeys(ItemStatus.values, 0)
    for status in statuses:
        counts[status] += 1
    return counts


def list_status_counts(
    items: QuerySet[Item], *, key: tuple, searching: bool, cap: int
) -> dict[str, int] | None:
    """The item list's chips: ``{status: count}`` over ``items`` (the list under every filter
    but the status), or None when a free-text search matches more than ``cap`` rows. ``key``
    says what ``items`` depend on besides the ledger (the filters, what the person may see).
    Cached until the ledger changes."""
    if searching:
        return cached("status_counts", *key, build=lambda: status_counts_capped(items, cap=cap))
    return cached("status_counts", *key, build=lambda: status_counts(items))


def list_row_count(items: QuerySet[Item], *, key: tuple, cap: int) -> int:
    """How many of ``items`` there are, ``cap`` at most (a search too wide to count in full,
    narrowed to one status). Cached until the ledger changes."""

    def count():
        return min(len(items.order_by().values_list("pk", flat=True)[: cap + 1]), cap)

    return cached("status_count", *key, build=count)


def status_counts_by_report(user) -> dict[int, dict[str, int]]:
    """``{report_id: {status: count, ..., "total": n, "achievements": n}}`` over the items
    ``user`` may see: tracked work by status, and the achievements apart (never in a status
    count: they are the year's record, not work).

    One aggregate query whatever the number of items or years.
    """
    rows = (
        items_visible_to(user)
        .values("report_id", "status")
        .annotate(n=Count("pk", filter=tracked_q()), achievements=Count("pk", filter=~tracked_q()))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys([*ItemStatus.values, "total", "achievements"], 0)
    )
    for row in rows:
        bucket = counts[row["report_id"]]
        bucket[row["status"]] = row["n"]
        bucket["total"] += row["n"]
        bucket["achievements"] += row["achievements"]
    return dict(counts)


def last_submitter_id(item: Item) -> int | None:
    """Who moved ``item`` to submitted last (None if nobody did)."""
    if hasattr(item, "last_submitter_id"):
        return item.last_submitter_id
    return (
        ProgressUpdate.objects.filter(item=item, status_to=ItemStatus.SUBMITTED)
        .order_by("-created_at", "-pk")
        .values_list("author_id", flat=True)
        .first()
    )


def last_change(item_id: int) -> ProgressUpdate | None:
    """The item's latest history entry, with its author: who saved the item last, and when
    (every write that moves an item's version leaves one)."""
    return (
        ProgressUpdate.objects.filter(item_id=item_id)
        .select_related("author")
        .order_by("-created_at", "-pk")
        .first()
    )


def item_for_page(user, pk: int) -> Item:
    """One item with everything its page shows; Item.DoesNotExist when ``user`` may not see it.

    Besides the model's fields and relations the item carries ``is_overdue``, ``light`` and ``days_left``, ``followed``,
    ``timeline`` (see ``item_timeline``), ``submission``, ``last_submitter_id``,
    ``earlier_evidence`` and ``return_entry`` (taken from the timeline: see
    ``_submission_and_return``),
    ``metric_list``, ``shortfall_list`` and ``measure_list`` (the items it answers and that
    answer it, those ``user`` may see) with ``hidden_shortfalls`` and ``hidden_measures``
    (how many others), the ends set by ``carried_ends``, ``pending_extension`` (or None),
    ``deadline_moves`` and ``original_due_on`` (granted extensions). Eight small queries:
    building their SQL is much of this page's time, so nothing is annotated that Python can
    tell from rows it fetches anyway.
    """
    items = (
        # Few joins: PostgreSQL's planning time grows fast with each (11 joins took 5 ms to
        # plan, far more than to run); the section path is its own query (section_path).
        with_carried(items_visible_to(user).select_related("report", "area", "lead_unit", "assignee"), user)
        # A report row holds the whole published text; the page needs its year and state.
        .defer("report__source_text")
        .prefetch_related("cooperating_units")
    )
    if permissions.can_follow(user):
        items = items.annotate(followed=Exists(Follow.objects.filter(item=OuterRef("pk"), user_id=user.pk)))
    item = carried_ends(items.get(pk=pk))
    item.followed = getattr(item, "followed", False)
    item.is_overdue = is_overdue(item)
    item.light = light_of(due_on=item.due_on, status=item.status, on=today())
    # Days to the deadline (negative once past), for a red or yellow light's words.
    item.days_left = (item.due_on - today()).days if item.light and item.due_on else None
    item.metric_list = list(Metric.objects.filter(item_id=pk).order_by("order", "pk"))
    item.timeline = item_timeline(item)
    _submission_and_return(item)
    # Both directions of "measure answers shortfall" in one query, with what the page shows
    # of the other item (fewer columns: less SQL to build), and whether the viewer may see it
    # (both ends: this item is one he or she may see).
    links = (
        Item.addresses.through.objects.filter(Q(from_item_id=pk) | Q(to_item_id=pk))
        .select_related("from_item", "to_item")
        .only(
            *(f"{end}__{field}" for end in ("from_item", "to_item") for field in ("title", "kind", "status"))
        )
    )
    from_visible = visible_item_q(user, "from_item_id")
    if from_visible is None:
        links = links.annotate(shown=Value(True))
    else:
        both = from_visible & visible_item_q(user, "to_item_id")
        links = links.annotate(shown=ExpressionWrapper(both, output_field=BooleanField()))
    item.shortfall_list, item.measure_list = [], []
    item.hidden_shortfalls = item.hidden_measures = 0
    for link in links.order_by("pk"):
        answered = link.from_item_id == pk  # this item is the measure: the other end a shortfall
        if not link.shown:
            if answered:
                item.hidden_shortfalls += 1
            else:
                item.hidden_measures += 1
        elif answered:
            item.shortfall_list.append(link.to_item)
        else:
            item.measure_list.append(link.from_item)
    # Every extension request of the item (a handful at most): the pending one, and the
    # granted ones that moved the deadline.
    requests = list(item.extension_requests.select_related("requested_by").order_by("created_at", "pk"))
    granted = [request for request in requests if request.decision == ExtensionDecision.GRANTED]
    item.pending_extension = next(
        (request for request in requests if request.decision == ExtensionDecision.PENDING), None
    )
    item.deadline_moves = len(granted)
    item.original_due_on = granted[0].previous_due_on if granted else None
    return item


def _submission_and_return(item: Item) -> None:
    """Set on ``item`` (its ``timeline`` read) what its page shows of the review, from the
    history already fetched: ``submission`` (the last entry that submitted it, with its
    ``evidence_list``) and ``last_submitter_id``; ``all_evidence`` (every file of the item,
    oldest first) and ``earlier_evidence`` (those not of that submission); ``return_entry``
    (the decision that returned it, while it is returned: the reason, who, when), else None."""
    updates = [entry["update"] for entry in item.timeline if entry["kind"] == "update"]
    item.submission = next((u for u in updates if u.status_to == ItemStatus.SUBMITTED), None)
    item.last_submitter_id = item.submission.author_id if item.submission else None
    item.all_evidence = [file for update in reversed(updates) for file in update.evidence_list]
    item.earlier_evidence = [
        file for file in item.all_evidence if item.submission is None or file.update_id != item.submission.pk
    ]
    item.return_entry = None
    if item.status == ItemStatus.RETURNED:
        item.return_entry = next(
            (u for u in updates if u.kind == UpdateKind.REVIEW and u.status_to == ItemStatus.RETURNED), None
        )


LINK_CANDIDATES = 60


def link_candidates(item: Item) -> QuerySet[Item]:
    """The items a reviewer may link to ``item`` on its page: for a measure, the shortfalls of
    its year or stated in the same report, at most LINK_CANDIDATES of them; for a shortfall,
    the measures alike; and whatever is linked to it now; all of ``item``'s government. In the
    order of the ledger. Reviewers only (they see every item of their governments)."""
    measure = item.kind == ItemKind.MEASURE
    other_kind = ItemKind.SHORTFALL if measure else ItemKind.MEASURE
    # Those of its year or stated by the same report: the first LINK_CANDIDATES of them (a
    # county's year has a few dozen problems; a list of thousands helps nobody).
    near = Q(year=item.year)
    if item.stated_in_id is not None:
        near |= Q(stated_in_id=item.stated_in_id)
    # Of the item's own government only: a county's reviewer links his county's problems.
    own = Item.objects.filter(report__government_id=item.report.government_id)
    nearest = (
        own.filter(near, kind=other_kind)
        .exclude(pk=item.pk)
        .order_by("-year", "order", "pk")
        .values("pk")[:LINK_CANDIDATES]
    )
    linked = Item.addresses.through.objects.filter(
        **({"from_item_id": item.pk} if measure else {"to_item_id": item.pk})
    ).values("to_item_id" if measure else "from_item_id")
    return (
        own.filter(kind=other_kind)
        .filter(Q(pk__in=nearest) | Q(pk__in=linked))
        .only("pk", "title", "year", "kind", "status")
        .order_by("-year", "order", "pk")
    )


def item_pending_extension(item: Item) -> ExtensionRequest | None:
    if hasattr(item, "pending_extension"):
        return item.pending_extension
    pending = (
        ExtensionRequest.objects.filter(item=item, decision=ExtensionDecision.PENDING)
        .select_related("requested_by")
        .first()
    )
    if pending is not None:
        pending.item = item  # its year is asked (permissions): no query to read the item again
    return pending


REVIEW_PAGE_SIZE = 30


def review_queue(user, *, page: int = 1, per_page: int = REVIEW_PAGE_SIZE):
    """Submitted items, oldest submission first, one page at a time, each with its
    submission's note and evidence.

    Returns a Django ``Page``; each item on it has ``.submission`` (the ProgressUpdate that
    submitted it, its files in ``.evidence_list``), ``.earlier_evidence`` (the item's other
    files, oldest first), ``.submitted_at`` and ``.last_submitter_id``. A fixed number of
    queries, however long the queue.
    """
    from django.core.paginator import Paginator

    queue = (
        items_visible_to(user)
        .filter(status=ItemStatus.SUBMITTED)
        .exclude(years.closed_q())  # a closed year is read-only: nothing to decide there
    )
    items = (
        queue.select_related("report", "lead_unit", "area")
        .annotate(is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))
        # item_status_submitted_idx serves the order: no item's history is read to sort. An
        # item put in review without a recorded time (an edit in the admin) comes last.
        .order_by(F("submitted_at").asc(nulls_last=True), "pk")
    )
    paginator = Paginator(items, per_page)
    paginator.count = cached("review_queue_count", permissions.visibility_key(user), build=queue.count)
    current = paginator.get_page(page)
    rows = list(current.object_list)
    # Each item's last submission (its note and files), and the item's other files, for this
    # page's items only: one query each, however many items and files.
    ids = [item.pk for item in rows]
    submissions = (
        ProgressUpdate.objects.filter(item_id__in=ids, status_to=ItemStatus.SUBMITTED)
        .select_related("author")
        .order_by("item_id", "-created_at", "-pk")
    )
    latest: dict[int, ProgressUpdate] = {}
    for update in submissions:
        latest.setdefault(update.item_id, update)
    files = defaultdict(list)
    for evidence in Evidence.objects.filter(item_id__in=ids).order_by("pk") if ids else ():
        files[evidence.item_id].append(evidence)
    for item in rows:
        item.submission = latest.get(item.pk)
        item.last_submitter_id = item.submission.author_id if item.submission else None
        submitted_with = item.submission.pk if item.submission else None
        if item.submission is not None:
            item.submission.evidence_list = [f for f in files[item.pk] if f.update_id == submitted_with]
        item.earlier_evidence = [f for f in files[item.pk] if f.update_id != submitted_with]
        item.submitted_at = item.submitted_at or (
            item.submission.created_at if item.submission else item.updated_at
        )
    current.object_list = rows
    return current


def extension_visible_to(user, pk: int) -> ExtensionRequest:
    """One extension request if ``user`` may see its item; DoesNotExist otherwise."""
    return ExtensionRequest.objects.select_related("item__report").get(pk=pk, item__in=items_visible_to(user))


def pending_extensions(user) -> list[ExtensionRequest]:
    """Extension requests waiting for a decision, oldest first; none of a closed year, where
    nothing is decided any more."""
    return list(
        ExtensionRequest.objects.filter(decision=ExtensionDecision.PENDING, item__in=items_visible_to(user))
        .exclude(years.closed_q("item__report"))
        .select_related("item__report", "item__lead_unit", "requested_by")
        .order_by("created_at", "pk")
    )


def followed_items(user, *, limit: int = 10) -> list[Item]:
    followed = Follow.objects.filter(user=user).values("item_id")
    return list(
        items_visible_to(user)
        .filter(pk__in=followed)
        .select_related("report", "lead_unit")
        .annotate(is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))
        .order_by("-updated_at", "-pk")[:limit]
    )


_PATH_FIELDS = ("parent_id", "number", "heading")


def section_path(item: Item) -> list:
    """The item's sections from the top: 二、 › (一) › 一是. One query (none without a section).

    The sections are those of the report that stated it: the year before's, for a shortfall
    or plan that report left as this year's work."""
    if item.section_id is None:
        return []
    report_id = item.stated_in_id or item.report_id
    sections = Section.objects.filter(report_id=report_id).only(*_PATH_FIELDS)
    return _sections_from_top(sections, item.section_id)


def section_path_of(section_id: int) -> list:
    """Section ``section_id`` and its parents from the top, each with ``report.year``; empty
    when there is no such section. One query."""
    sections = (
        Section.objects.filter(report__sections=section_id)
        .select_related("report")
        .only(*_PATH_FIELDS, "report__year")
    )
    return _sections_from_top(sections, section_id)


def _sections_from_top(sections, section_id: int) -> list:
    """The path from the top of the outline down to ``section_id`` among ``sections``."""
    by_pk = {section.pk: section for section in sections}
    path, section = [], by_pk.get(section_id)
    while section is not None and len(path) < len(by_pk):
        path.append(section)
        section = by_pk.get(section.parent_id)
    return list(reversed(path))


def item_timeline(item: Item) -> list[dict]:
    """History entries (each with ``evidence_list``; a review decision is one of them) and
    leaders' instructions, newest first. Each instruction carries ``reply_list``, the entries
    that reply to it (反馈), oldest first; those entries, and the one that marked it handled,
    are flagged ``of_instruction`` (the page shows them within the instruction). Sets
    ``item.chase_list`` (its chases, newest first). Three queries: the item's evidence is read
    by item, not through each entry."""
    updates = list(
        ProgressUpdate.objects.filter(item_id=item.pk).select_related("author", "chase").order_by()
    )
    files = defaultdict(list)
    for evidence in Evidence.objects.filter(item_id=item.pk).order_by("pk"):
        files[evidence.update_id].append(evidence)
    instructions = {
        i.pk: i
        for i in Instruction.objects.filter(item_id=item.pk).select_related("author", "handled_by").order_by()
    }
    entries = []
    for instruction in instructions.values():
        instruction.item = item  # its year is asked (permissions): no query to read the item again
        instruction.reply_list = []
        entries.append(
            {
                "kind": "instruction",
                "at": instruction.created_at,
                "pk": instruction.pk,
                "instruction": instruction,
            }
        )
    for update in sorted(updates, key=lambda u: (u.created_at, u.pk)):
        update.evidence_list = files[update.pk]
        update.of_instruction = update.instruction_id in instructions
        if update.of_instruction and update.kind == UpdateKind.REPLY:
            instructions[update.instruction_id].reply_list.append(update)
        entries.append({"kind": "update", "at": update.created_at, "pk": update.pk, "update": update})
    entries.sort(key=lambda e: (e["at"], e["pk"]), reverse=True)
    # The item's chases (催办), newest first, read with their history entries.
    item.chase_list = [
        entry["update"].chase
        for entry in entries
        if entry["kind"] == "update"
        and entry["update"].kind == UpdateKind.CHASED
        and hasattr(entry["update"], "chase")
    ]
    for chase in item.chase_list:
        chase.item, chase.author = item, chase.update.author
    return entries


def instruction_visible_to(user, pk: int) -> Instruction:
    """One leader's instruction if ``user`` may see its item; DoesNotExist otherwise."""
    return Instruction.objects.select_related("item__report").get(pk=pk, item__in=items_visible_to(user))


OPEN_INSTRUCTIONS_SHOWN = 10


def open_instructions(user, *, limit: int = OPEN_INSTRUCTIONS_SHOWN) -> dict:
    """Leaders' instructions not yet handled (未办结) on items ``user`` may see, oldest first:
    ``{"rows": [...], "count": N}``, the first ``limit`` rows, each with its item and lead
    unit, ``age_days`` (days since it was given) and ``replies`` (how many replies it has), and
    how many there are in all. None of a closed year, where nothing is handled any more. Two
    queries, whatever their number."""
    instructions = Instruction.objects.filter(
        handled_at__isnull=True, item__in=items_visible_to(user)
    ).exclude(years.closed_q("item__report"))
    rows = list(
        instructions.select_related("item__lead_unit", "author")
        .annotate(replies=Count("updates", filter=Q(updates__kind=UpdateKind.REPLY)))
        .order_by("created_at", "pk")[:limit]
    )
    count = instructions.count()
    now = today()
    for instruction in rows:
        instruction.age_days = (now - timezone.localdate(instruction.created_at)).days
    return {"rows": rows, "count": count}


def chase_visible_to(user, pk: int) -> Chase:
    """One chase (催办) if ``user`` may see its item; Chase.DoesNotExist otherwise."""
    return Chase.objects.select_related("item__report", "item__lead_unit", "author").get(
        pk=pk, item__in=items_visible_to(user)
    )


def evidence_visible_to(user, pk: int) -> Evidence:
    """One evidence file if ``user`` may see its item; Evidence.DoesNotExist otherwise."""
    return Evidence.objects.select_related("item").get(pk=pk, item__in=items_visible_to(user))


def _with_return_review(items: QuerySet[Item]) -> list[Item]:
    """``items`` (returned ones), each with ``return_review``: the decision that returned it
    (its comment, reviewer and time), or None. One query for all their decisions."""
    rows = list(items)
    latest: dict[int, Review] = {}
    if rows:
        reviews = (
            Review.objects.filter(item_id__in=[item.pk for item in rows], decision=ReviewDecision.RETURN)
            .select_related("reviewer")
            .order_by("item_id", "-created_at", "-pk")
        )
        for review in reviews:
            latest.setdefault(review.item_id, review)
    for item in rows:
        item.return_review = latest.get(item.pk)
    return rows


def my_items(user, *, limit: int = 8) -> dict:
    """The staff home page's lists: due soon, overdue, returned to the unit (with the
    decision that returned each: reason, reviewer, time), recently updated, and leaders'
    instructions on the units' items. Tracked work only: the achievements a report records
    are not work to follow up.

    Each list shows ``limit`` items at most; ``counts`` holds how many each has in all
    (``all``: every item of the recent list's), counted in one query."""
    units = permissions.unit_ids(user)
    mine = items_visible_to(user).filter(tracked_q()).select_related("report", "lead_unit")
    now = today()
    returned = Q(status=ItemStatus.RETURNED, lead_unit_id__in=units)
    return {
        "overdue": list(mine.filter(overdue_q(now)).order_by("due_on", "pk")[:limit]),
        "due_soon": list(mine.filter(due_soon_q(now)).order_by("due_on", "pk")[:limit]),
        "returned": _with_return_review(mine.filter(returned).order_by("-updated_at", "pk")[:limit]),
        "recent": list(mine.order_by("-updated_at", "-pk")[:limit]),
        "instructions": _awaiting_reply(user, units, limit=limit),
        "counts": mine.order_by().aggregate(
            overdue=Count("pk", filter=overdue_q(now)),
            due_soon=Count("pk", filter=due_soon_q(now)),
            returned=Count("pk", filter=returned),
            all=Count("pk"),
        ),
    }


def _awaiting_reply(user, units, *, limit: int) -> list[Instruction]:
    """Leaders' instructions not yet handled on the units' items, oldest first; each with
    ``ours`` (one of ``units`` leads the item: the unit replies) and ``replies`` (how many
    replies it has). None of a closed year."""
    rows = list(
        Instruction.objects.filter(handled_at__isnull=True, item__in=items_visible_to(user))
        .exclude(years.closed_q("item__report"))
        .select_related("item", "author")
        .annotate(replies=Count("updates", filter=Q(updates__kind=UpdateKind.REPLY)))
        .order_by("created_at", "pk")[:limit]
    )
    for instruction in rows:
        instruction.ours = instruction.item.lead_unit_id in units
    return rows
