"""Who may do what: the one place views, templates and selectors ask.

Roles come from group membership (see ``tracker.roles``); a superuser counts as a reviewer.
The rules follow the permission table of DESIGN.md. Every answer about an item or a year
is "no" in a closed year (``tracker.years``), following excepted.

Governments (issue 19): everybody sees one government and every government below it, never
one beside it. ``government_scope`` says which, as a path prefix of the government tree, and
``government_q`` turns it into the one condition every selector starts from (items, reports,
units, people, counts). Whose government is what:
- a user with a government of his own (``Affiliation``, set in the admin): that government;
- else a member of units: their government (a user's units are all of one government);
- else, on an installation of one government (a tree of one), that government, so that an
  installation from before governments works unchanged;
- else a superuser (system administrator): the whole tree; anybody else: nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import roles, workflow, years
from .choices import ItemKind, ItemStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import QuerySet

    from .models import Item

ROLE_REVIEWER = "reviewer"
ROLE_LEADER = "leader"
ROLE_STAFF = "staff"


def _group_names(user) -> frozenset[str]:
    cached = getattr(user, "_ledger_group_names", None)
    if cached is None:
        cached = (
            frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        )
        user._ledger_group_names = cached
    return cached


def _units(user) -> dict[int, str]:
    """The user's units, id to name, by name: one query, kept on the user object for the
    request (the names cost no query of their own: a printed page's header shows them)."""
    cached = getattr(user, "_ledger_units", None)
    if cached is None:
        cached = (
            dict(user.memberships.order_by("unit__name").values_list("unit_id", "unit__name"))
            if user.is_authenticated
            else {}
        )
        user._ledger_units = cached
    return cached


# A path prefix no government's path starts with: the scope of somebody who sees nothing.
NOWHERE = "!"
WHOLE_TREE = ""


def own_government(user):
    """The government ``user`` works for (see the module's docstring), or None for the whole
    tree (a superuser with no government of his own) and for nobody's; kept on the user
    object for the request."""
    try:
        return user._ledger_government
    except AttributeError:
        pass
    government = _own_government(user)
    if user.is_authenticated:
        user._ledger_government = government
    return government


def _own_government(user):
    """One query: the governments, the user's own first (an affiliation, else his units'),
    then in tree order; two at most are read, enough to tell a tree of one."""
    from django.db.models import Exists, OuterRef

    from .models import Affiliation, Government, Membership

    if not user.is_authenticated:
        return None
    rows = list(
        Government.objects.annotate(
            mine=Exists(Affiliation.objects.filter(user_id=user.pk, government_id=OuterRef("pk"))),
            ours=Exists(Membership.objects.filter(user_id=user.pk, unit__government_id=OuterRef("pk"))),
            has_children=Exists(Government.objects.filter(parent_id=OuterRef("pk"))),
        ).order_by("-mine", "-ours", "path", "pk")[:2]
    )
    if rows and (rows[0].mine or rows[0].ours):
        return rows[0]
    if len(rows) == 1:
        return rows[0]
    if rows and user.is_superuser:
        user._ledger_several_governments = True
    return None


def government_scope(user) -> str:
    """The path prefix of the governments ``user`` sees: his own government's path (it and
    every government below), ``WHOLE_TREE`` for a superuser without a government, ``NOWHERE``
    for somebody who has none."""
    government = own_government(user)
    if government is not None:
        return government.path
    if user is not None and user.is_authenticated and user.is_superuser:
        return WHOLE_TREE
    return NOWHERE


def government_q(user, field: str = "government"):
    """The condition "the government at ``field`` (a lookup path to a Government:
    ``government``, ``report__government``, ``unit__government``; "" for the Government
    itself) is one ``user`` sees": one
    indexed prefix match on the tree's materialized path; no condition for the whole tree."""
    from django.db.models import Q

    scope = government_scope(user)
    if scope == WHOLE_TREE:
        return Q()
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    return Q(**{lookup: scope})


def sees_government(user, government) -> bool:
    """Whether ``government`` is ``user``'s own or one below it."""
    scope = government_scope(user)
    return scope != NOWHERE and government.path.startswith(scope)


def supervises(user) -> bool:
    """Whether ``user`` is a reviewer or leader who sees more than one government (a city's or
    a province's office, an administrator of several): then the pages offer a choice of the
    government in view. Unit staff never do: they work on their units' items, whatever lies
    below their government. No query of its own (``own_government`` read it)."""
    if not sees_all_items(user):
        return False
    government = own_government(user)
    if government is not None:
        return bool(getattr(government, "has_children", False))
    return government_scope(user) == WHOLE_TREE and getattr(user, "_ledger_several_governments", False)


def unit_ids(user) -> frozenset[int]:
    """Ids of the units the user belongs to (cached on the user object for the request)."""
    cached = getattr(user, "_ledger_unit_ids", None)
    if cached is None:
        cached = frozenset(_units(user))
        user._ledger_unit_ids = cached
    return cached


def unit_names(user) -> list[str]:
    """Names of the units the user belongs to, by name (read with ``unit_ids``)."""
    return list(_units(user).values())


def role_of(user: AbstractBaseUser) -> str | None:
    """The user's role in the ledger: reviewer, leader, staff, or None (kept on the user
    object for the request, like the groups and units it is made of)."""
    try:
        return user._ledger_role
    except AttributeError:
        pass
    role = _role_of(user)
    if user.is_authenticated:
        user._ledger_role = role
    return role


def _role_of(user) -> str | None:
    if not user.is_authenticated:
        return None
    names = _group_names(user)
    if user.is_superuser or roles.REVIEWER in names:
        return ROLE_REVIEWER
    if roles.LEADER in names:
        return ROLE_LEADER
    if roles.STAFF in names or unit_ids(user):
        return ROLE_STAFF
    return None


# Who holds a role, as queries (the message centre and the reminders address people by role):
# the set counterparts of ``role_of``, kept beside it.


def seeing_government_q(government):
    """The condition on users "sees ``government``": the set counterpart of
    ``government_scope``. Its ancestors' ids are read off its path (the path is made of
    them), so the condition needs no query: a user's own government is one of them; or,
    without one, his units' government is; or, with neither, he is a superuser (the whole
    tree) or the installation has only this one government."""
    from django.db.models import Q

    from .models import Government

    ancestors = [int(part) for part in government.path.split(".") if part.isdigit()]
    unplaced = Q(affiliation__isnull=True, memberships__isnull=True)
    sole = not Government.objects.exclude(pk=government.pk).exists()
    return (
        Q(affiliation__government_id__in=ancestors)
        | Q(affiliation__isnull=True, memberships__unit__government_id__in=ancestors)
        | (unplaced & (Q() if sole else Q(is_superuser=True)))
    )


def reviewer_ids(government=None) -> QuerySet:
    """Ids of the active users in the reviewer role (superusers count as reviewers); of those
    who see ``government`` when given (an item's: who is told of it)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    people = get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name=roles.REVIEWER), is_active=True
    )
    if government is not None:
        people = people.filter(seeing_government_q(government))
    return people.values_list("pk", flat=True).distinct()


def unit_staff_ids() -> QuerySet:
    """Ids of the active unit staff: members of a unit who are neither reviewers nor leaders
    (those see every item), as ``role_of`` tells them apart, in one query."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(memberships__isnull=False, is_active=True, is_superuser=False)
        .exclude(groups__name__in=[roles.REVIEWER, roles.LEADER])
        .values_list("pk", flat=True)
        .distinct()
    )


def lead_staff_ids(item: Item) -> QuerySet:
    """Ids of the active unit staff of ``item``'s lead unit: who may work on it."""
    if item.lead_unit_id is None:
        return unit_staff_ids().none()
    return unit_staff_ids().filter(memberships__unit_id=item.lead_unit_id)


def visibility_key(user) -> object:
    """What decides which items ``user`` sees, for cache keys: the governments he sees (their
    path prefix) and "all" of their items, or his units' items."""
    items = "all" if sees_all_items(user) else tuple(sorted(unit_ids(user)))
    return (government_scope(user), items)


def is_reviewer(user) -> bool:
    return role_of(user) == ROLE_REVIEWER


def sees_all_items(user) -> bool:
    """Reviewers and leaders see every item; staff only their units'."""
    return role_of(user) in (ROLE_REVIEWER, ROLE_LEADER)


def _cooperating_unit_ids(item: Item) -> set[int]:
    return {unit.pk for unit in item.cooperating_units.all()}


def is_lead_staff(user, item: Item) -> bool:
    return role_of(user) == ROLE_STAFF and item.lead_unit_id in unit_ids(user)


def is_cooperating_staff(user, item: Item) -> bool:
    return role_of(user) == ROLE_STAFF and bool(_cooperating_unit_ids(item) & unit_ids(user))


def item_in_scope(user, item: Item) -> bool:
    """Whether ``item`` belongs to a government ``user`` sees (its report's government)."""
    scope = government_scope(user)
    if scope == WHOLE_TREE:
        return True
    if scope == NOWHERE:
        return False
    own = own_government(user)
    if own is not None and item.report.government_id == own.pk:
        return True  # his own government's: no query for its path
    return item.report.government.path.startswith(scope)


def can_view_item(user, item: Item) -> bool:
    return item_in_scope(user, item) and (
        sees_all_items(user) or is_lead_staff(user, item) or is_cooperating_staff(user, item)
    )


def is_tracked(item: Item) -> bool:
    """Whether ``item`` is work that is tracked. An achievement is not: it is the record of
    work a report says its year did, done when imported; nobody records progress on it,
    submits, assigns or extends it."""
    return item.kind != ItemKind.ACHIEVEMENT


def can_add_progress(user, item: Item) -> bool:
    return (
        is_tracked(item)
        and years.is_open(item)
        and (is_reviewer(user) or is_lead_staff(user, item) or is_cooperating_staff(user, item))
    )


def can_change_status(user, item: Item) -> bool:
    return is_tracked(item) and years.is_open(item) and (is_reviewer(user) or is_lead_staff(user, item))


def can_submit(user, item: Item) -> bool:
    """Submit for review (提交审核): who may move the item's status, from an open status."""
    return can_change_status(user, item) and workflow.can_submit(item.status)


def is_leader(user) -> bool:
    return role_of(user) == ROLE_LEADER


def can_review(user, item: Item) -> bool:
    """Reviewers decide on submissions, but never on one they made themselves.

    ``item.last_submitter_id`` (annotated by the selectors) is who moved it to submitted.
    """
    if not (is_reviewer(user) and years.is_open(item)):
        return False
    last_submitter = getattr(item, "last_submitter_id", None)
    return last_submitter is None or last_submitter != user.pk


def can_request_extension(user, item: Item) -> bool:
    return is_tracked(item) and years.is_open(item) and (is_reviewer(user) or is_lead_staff(user, item))


def can_decide_extension(user, extension) -> bool:
    """Reviewers decide on extension requests, but not on their own."""
    return is_reviewer(user) and extension.requested_by_id != user.pk and years.is_open(extension)


def can_instruct(user) -> bool:
    """Leaders give instructions (批示)."""
    return is_leader(user)


def can_reply_instruction(user, instruction) -> bool:
    """The staff of the item's lead unit reply (反馈) to a leader's instruction on it, with a
    note and files (while it is not handled: ``instruction_reply`` says so)."""
    return years.is_open(instruction) and is_lead_staff(user, instruction.item)


def can_handle_instruction(user, instruction) -> bool:
    """The leader who gave an instruction, or a reviewer, marks it handled (办结) (once:
    ``instruction_handle`` says so)."""
    return years.is_open(instruction) and (
        is_reviewer(user) or (is_leader(user) and instruction.author_id == user.pk)
    )


def can_follow(user) -> bool:
    """Leaders and reviewers follow items (关注)."""
    return role_of(user) in (ROLE_REVIEWER, ROLE_LEADER)


def can_search_choices(user) -> bool:
    """Search the units, people and areas offered by the searchable selects: anyone with a
    role in the ledger (the item list's filters offer them to everybody who sees the list)."""
    return role_of(user) is not None


def can_chase(user) -> bool:
    """Reviewers (the office) and leaders chase items (催办)."""
    return is_reviewer(user) or is_leader(user)


def can_chase_item(user, item: Item) -> bool:
    """``can_chase`` an item the person sees: tracked work, open, not done, in an open year."""
    return (
        can_chase(user)
        and can_view_item(user, item)
        and is_tracked(item)
        and item.status != ItemStatus.DONE
        and years.is_open(item)
    )


def can_assign(user) -> bool:
    """Set lead and cooperating units, responsible person and deadline."""
    return is_reviewer(user)


def can_assign_item(user, item: Item) -> bool:
    """``can_assign``, on an item that is tracked work (an achievement is never assigned)."""
    return can_assign(user) and is_tracked(item) and years.is_open(item)


LINKED_KINDS = (ItemKind.MEASURE, ItemKind.SHORTFALL)


def can_link(user, item: Item) -> bool:
    """Set which shortfalls a measure answers, or which measures answer a shortfall."""
    return is_reviewer(user) and item.kind in LINKED_KINDS and years.is_open(item)


@dataclass(frozen=True)
class ItemCapabilities:
    """What one person may do on one item's page, asked once per page (closed years included)."""

    progress: bool = False
    change_status: bool = False
    submit: bool = False
    review: bool = False  # the item waits for review and the person is a reviewer
    own_submission: bool = False  # ... but he or she submitted it (another reviewer decides)
    extension: bool = False
    assign: bool = False
    link: bool = False
    instruct: bool = False
    chase: bool = False
    follow: bool = False


def item_capabilities(user, item: Item) -> ItemCapabilities:
    """The forms and buttons ``user`` gets on ``item``'s page. A closed year's item is
    read-only for everyone (following it excepted); an achievement offers no work forms."""
    follow = can_follow(user)
    if not years.is_open(item):
        return ItemCapabilities(follow=follow)
    waiting = item.status == ItemStatus.SUBMITTED and is_reviewer(user)
    return ItemCapabilities(
        progress=can_add_progress(user, item),
        change_status=can_change_status(user, item),
        submit=can_submit(user, item),
        review=waiting,
        own_submission=waiting and not can_review(user, item),
        extension=item.status != ItemStatus.DONE and can_request_extension(user, item),
        assign=can_assign_item(user, item),
        link=can_link(user, item),
        instruct=can_instruct(user),
        chase=can_chase_item(user, item),
        follow=follow,
    )


def can_manage_years(user) -> bool:
    """Import, assign, roll over, rate and close a year."""
    return is_reviewer(user)


def can_rate(user, report) -> bool:
    """Set the units' grades of ``report``'s year: who manages years, while it is open."""
    return can_manage_years(user) and years.is_open(report)


# --- The Django admin --------------------------------------------------------------------
# The admin follows the rules of the pages: it is read by reviewers and leaders, written only
# by system administrators (superusers), and whatever belongs to a closed year is read-only
# there for everyone. Group permissions (see the role migrations) are a second lock, never
# the rule: ModelAdmins ask these functions first.


def is_administrator(user) -> bool:
    """System administrators (系统管理员): superusers, the only people who write in the admin."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def can_read_admin(user) -> bool:
    """Who reads the admin at all: administrators, and reviewers and leaders with Django's
    "staff status". Unit staff never do, whatever their flags: the admin cannot narrow the
    items it lists to their units."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return is_administrator(user) or role_of(user) in (ROLE_REVIEWER, ROLE_LEADER)


def can_edit_in_admin(user, obj=None) -> bool:
    """Add, change or delete a row in the admin (``obj`` None: rows of that kind at all).

    Only administrators, and never a row of a closed year. A row's own page is then shown
    read-only; statuses, review decisions and history are never written there at all.
    """
    return is_administrator(user) and (obj is None or years.is_open(obj))


def can_delete_unit_in_admin(user, unit=None) -> bool:
    """A unit that cooperated on an item or was rated in a closed year stays: deleting it
    would change that year's record (a unit that left is made inactive instead)."""
    if not can_edit_in_admin(user):
        return False
    if unit is None:
        return True
    return not (
        unit.cooperating_items.filter(years.closed_q()).exists()
        or unit.ratings.filter(years.closed_q()).exists()
    )


def can_delete_user_in_admin(user, person=None) -> bool:
    """Administrators delete accounts, but not one whose name stands in a closed year's
    record (responsible person, history, instructions): deactivate that account instead."""
    if not is_administrator(user):
        return False
    if person is None:
        return True
    return not (
        person.assigned_items.filter(years.closed_q()).exists()
        or person.progress_updates.filter(years.closed_q("item__report")).exists()
        or person.instructions.filter(years.closed_q("item__report")).exists()
    )
