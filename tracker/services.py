"""Writes to the ledger. Views and forms hand validated data to these functions."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from utilities.people import official_label, user_label
from utilities.storage_files import STORAGE_ERRORS

from . import history, permissions, workflow, years
from .choices import ExtensionDecision, ItemKind, ItemStatus, MessageKind, ReviewDecision, UpdateKind
from .evidence import CheckedFile, check_upload, storage_name
from .ledger_cache import ledger_changed
from .models import (
    Chase,
    Evidence,
    ExtensionRequest,
    Follow,
    Instruction,
    Item,
    Membership,
    ProgressUpdate,
    Review,
    Unit,
)
from .notices import LEAD_STAFF, REVIEWERS, notify

logger = logging.getLogger(__name__)


class Conflict(Exception):
    """Someone else wrote the same thing at the same moment, and the database's constraints
    refused the second write; nothing of it was kept. The message is translated and says what
    to do. Views answer it as a conflict (409, or the form again with the message); a view
    that does not is answered by config.middleware.ConflictMiddleware."""


@contextmanager
def conflicts_as(message):
    """Turn an IntegrityError (a unique constraint's answer to a race: the row appeared between
    our check and our insert) into Conflict(``message``). Use it around the transaction, so
    that the transaction has been rolled back by the time Conflict is raised."""
    try:
        yield
    except IntegrityError as error:
        raise Conflict(str(message)) from error


class EvidenceNotStored(Exception):
    """The storage refused an evidence file (a full or read-only disk): nothing was saved."""

    def __init__(self):
        super().__init__(
            _(
                "The evidence files could not be saved: the server's storage is full or cannot be "
                "written to. Nothing was saved; your note and the status you chose are kept below, "
                "and the files must be chosen again. Please try again later or contact the administrator."
            )
        )


class StaleItem(Conflict):
    """Someone saved the item after the form was opened: the message names who and when (from
    the item's latest history entry), or says it was the same person in another window."""

    def __init__(self, item: Item | None = None, user=None):
        super().__init__(stale_message(item, user))


def _local_time(moment) -> str:
    """14:51 today, 2021-05-06 14:51 another day, in the local time zone."""
    local = timezone.localtime(moment)
    return f"{local:%H:%M}" if local.date() == timezone.localdate() else f"{local:%Y-%m-%d %H:%M}"


def stale_message(item: Item | None, user, *, reload: bool = False) -> str:
    """What to tell ``user`` whose form was opened on an older version of ``item``: who saved it
    since and when ("王经办于 14:51 已更新此事项"), or that he or she did, in another window;
    then what happens now: the page shows the current state and keeps the note, or (``reload``,
    the admin's form) the page must be reloaded."""
    from .selectors import last_change

    change = last_change(item.pk) if item is not None and item.pk else None
    if change is None or change.author is None:
        if reload:
            return _(
                "This item has been changed by someone else since you opened it. "
                "Reload the page to see its current state, then make your change again."
            )
        return _(
            "This item has been updated by someone else. Its current state is shown; your note is kept below."
        )
    values = {"person": user_label(change.author), "time": _local_time(change.created_at)}
    mine = user is not None and change.author.pk == user.pk
    if reload:
        if mine:
            return (
                _(
                    "You changed this item at %(time)s in another window. "
                    "Reload the page to see its current state, then make your change again."
                )
                % values
            )
        return (
            _(
                "%(person)s changed this item at %(time)s, after you opened it. "
                "Reload the page to see its current state, then make your change again."
            )
            % values
        )
    if mine:
        return (
            _(
                "You updated this item at %(time)s in another window. "
                "Its current state is shown; your note is kept below."
            )
            % values
        )
    return (
        _("%(person)s updated this item at %(time)s. Its current state is shown; your note is kept below.")
        % values
    )


class InstructionHandled(Conflict):
    """The instruction was marked handled (办结) after the page was opened."""

    def __init__(self):
        super().__init__(_("This instruction has already been marked handled; it takes no more replies."))


def lead_unit_conflict_error(lead_unit: Unit | None, cooperating_units: Iterable[Unit]) -> str | None:
    """The message to show when the lead unit is also listed as cooperating, else None."""
    if lead_unit is not None and any(unit.pk == lead_unit.pk for unit in cooperating_units):
        return _("%(unit)s is the lead unit; it cannot also be a cooperating unit.") % {"unit": lead_unit}
    return None


def units_government_error(government_id: int | None, units: Iterable[Unit | None]) -> str | None:
    """The message when a unit chosen for an item is not of the item's government (its
    report's), else None: a county's item is never led by another county's unit."""
    for unit in units:
        if unit is not None and government_id is not None and unit.government_id != government_id:
            return _("%(unit)s is a unit of another government; choose one of this item's government.") % {
                "unit": unit
            }
    return None


def item_add_progress(
    *,
    item: Item,
    user,
    note: str = "",
    status: str | None = None,
    files: Sequence[UploadedFile] = (),
    expected_version: int,
) -> ProgressUpdate:
    """Record progress on an item: a note, a status move, evidence files — all or nothing.
    (The item page submits for review through ``item_submit``, which comes here.)

    Refuses (PermissionDenied) what the user's role does not allow, (ValidationError) a move
    the status machine does not allow or a bad file, and (StaleItem) a form opened on an older
    version of the item. Files are checked before anything is written, and removed again if
    the write fails, so no orphan file stays on disk; a storage that refuses a file (full,
    read-only) raises EvidenceNotStored. Must not run inside a caller's transaction.
    """
    years.refuse_closed(item)
    if not permissions.can_add_progress(user, item):
        raise PermissionDenied
    note = (note or "").strip()
    moving = bool(status) and status != item.status
    if moving:
        if not permissions.can_change_status(user, item):
            raise PermissionDenied
        if not workflow.can_move(item.status, status):
            raise ValidationError(
                _("An item that is “%(current)s” cannot be moved to “%(wanted)s”.")
                % {
                    "current": workflow.status_label(item.kind, item.status),
                    "wanted": workflow.status_label(item.kind, status),
                }
            )
    if not (note or moving or files):
        raise ValidationError(_("Write a note, change the status or attach a file."))
    if item.version != expected_version:
        raise StaleItem(item, user)
    checked = [check_upload(upload) for upload in files]

    # Durable: this is the outermost transaction, so once it commits nothing can roll it back
    # and strand the files saved in it (a caller's transaction around it would).
    with _files_kept_if_committed(item) as saved, transaction.atomic(durable=True):
        now = timezone.now()
        submitted = {"submitted_at": now} if moving and status == ItemStatus.SUBMITTED else {}
        changed = Item.objects.filter(pk=item.pk, version=expected_version).update(
            status=status if moving else item.status,
            version=F("version") + 1,
            updated_at=now,
            **submitted,
        )
        if not changed:
            raise StaleItem(item, user)
        update = ProgressUpdate.objects.create(
            item=item,
            author=user,
            note=note,
            status_from=item.status if moving else "",
            status_to=status if moving else "",
        )
        _store_evidence(update=update, files=checked, user=user, saved=saved)
        if moving and status == ItemStatus.SUBMITTED:
            notify(kind=MessageKind.SUBMITTED, item=item, actor=user, to=REVIEWERS, text=note)
        ledger_changed()
    item.refresh_from_db(fields=["status", "version", "updated_at"])
    return update


@contextmanager
def _files_kept_if_committed(item: Item):
    """Around the transaction that stores evidence files: yields the list of the names saved,
    which are removed again if the transaction does not commit; a storage that refuses a
    file (a full or read-only disk, S3 out of reach: STORAGE_ERRORS) becomes EvidenceNotStored."""
    saved: list[str] = []
    try:
        yield saved
    except STORAGE_ERRORS as error:
        _discard_files(saved)
        logger.error("Evidence could not be stored for item %s: %s", item.pk, error)
        raise EvidenceNotStored from error
    except BaseException:
        _discard_files(saved)
        raise


def _store_evidence(*, update: ProgressUpdate, files: Sequence[CheckedFile], user, saved: list[str]) -> None:
    """Save checked ``files`` under random names as evidence of history entry ``update``,
    naming each in ``saved`` before it is written (see ``_files_kept_if_committed``)."""
    for file in files:
        name = storage_name(file)
        saved.append(name)  # before saving: a save that fails midway leaves part of a file
        stored = default_storage.save(name, file.upload)
        if stored != name:
            saved.append(stored)
        Evidence.objects.create(
            update=update,
            item_id=update.item_id,
            file=stored,
            original_name=file.original_name,
            size=file.size,
            content_type=file.content_type,
            sha256=file.sha256,
            uploaded_by=user,
        )


def item_submit(
    *,
    item: Item,
    user,
    note: str,
    files: Sequence[UploadedFile] = (),
    expected_version: int,
) -> ProgressUpdate:
    """Submit ``item`` for review (提交审核) in one step, with the note and the evidence files
    of that submission in its own history entry (status_from → submitted), so the reviewer
    reads what this submission says and holds. From not started, in progress or returned (a
    resubmission) alike: the workflow allows the move directly.

    Refuses (PermissionDenied) who may not change the item's status and an achievement,
    (StaleItem) a page opened on an older version, (ValidationError) an item that cannot be
    submitted now or a submission without a note, and as ``item_add_progress`` does, a bad
    file, a storage that refuses the files (EvidenceNotStored); a refusal writes nothing.
    """
    years.refuse_closed(item)
    if not permissions.can_change_status(user, item):
        raise PermissionDenied
    if item.version != expected_version:
        raise StaleItem(item, user)
    if not workflow.can_submit(item.status):
        raise ValidationError(
            _("This item cannot be submitted for review now (it is “%(status)s”).")
            % {"status": item.status_label}
        )
    if not (note or "").strip():
        raise ValidationError(_("Say what was done, so that the reviewer knows what to check."))
    return item_add_progress(
        item=item,
        user=user,
        note=note,
        status=ItemStatus.SUBMITTED,
        files=files,
        expected_version=expected_version,
    )


def _discard_files(names: Iterable[str]) -> None:
    """Remove files saved (or half saved) by a write that did not commit."""
    for name in names:
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
        except STORAGE_ERRORS as error:  # a read-only disk: manage.py sweep_orphans removes it later
            logger.error("Could not remove %s after a failed save: %s", name, error)


@transaction.atomic
def user_set_units(*, user, units: Iterable[Unit]) -> None:
    """Make ``user`` a member of exactly ``units``."""
    wanted = {unit.pk for unit in units}
    Membership.objects.filter(user=user).exclude(unit_id__in=wanted).delete()
    have = set(Membership.objects.filter(user=user).values_list("unit_id", flat=True))
    # Two saves at once may both add a unit: the second finds it there, which is what it wanted.
    Membership.objects.bulk_create(
        [Membership(user=user, unit_id=pk) for pk in wanted - have], ignore_conflicts=True
    )


def _bump(item: Item, expected_version: int | None = None, *, user=None, **fields) -> None:
    """Write ``fields`` and a new version in one UPDATE; StaleItem (told to ``user``) when the
    version moved on."""
    rows = Item.objects.filter(pk=item.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if not rows.update(version=F("version") + 1, updated_at=timezone.now(), **fields):
        raise StaleItem(item, user)
    item.refresh_from_db(fields=["status", "version", "updated_at", "due_on", "done_at"])


@transaction.atomic
def item_review(
    *, item: Item, user, decision: str, comment: str = "", expected_version: int | None = None
) -> Review:
    """A reviewer approves a submitted item (done) or returns it (returned, comment required).

    Refuses (PermissionDenied) non-reviewers and the person who submitted it; refuses
    (ValidationError) an item that is not waiting for review or a return without comment.
    The Review, its history entry and the status change land together.
    """
    from .selectors import last_submitter_id

    years.refuse_closed(item)
    if not permissions.is_reviewer(user):
        raise PermissionDenied
    comment = (comment or "").strip()
    if decision not in ReviewDecision.values:
        raise ValidationError(_("Choose approve or return."))
    if item.status != ItemStatus.SUBMITTED:
        raise ValidationError(
            _("This item is not waiting for review (it is “%(status)s”).") % {"status": item.status_label}
        )
    if last_submitter_id(item) == user.pk:
        raise PermissionDenied(_("You submitted this item yourself; another reviewer must decide on it."))
    if decision == ReviewDecision.RETURN and not comment:
        raise ValidationError(_("Say why the item is returned, so that the unit knows what to fix."))
    status_to = ItemStatus.DONE if decision == ReviewDecision.APPROVE else ItemStatus.RETURNED
    now = timezone.now()
    # Only a submitted item may be decided: a second reviewer deciding at the same moment loses.
    changed = Item.objects.filter(pk=item.pk, status=ItemStatus.SUBMITTED)
    if expected_version is not None:
        changed = changed.filter(version=expected_version)
    extra = {"done_at": now} if status_to == ItemStatus.DONE else {}
    if not changed.update(status=status_to, version=F("version") + 1, updated_at=now, **extra):
        raise StaleItem(item, user)
    update = ProgressUpdate.objects.create(
        item=item,
        author=user,
        kind=UpdateKind.REVIEW,
        note=comment,
        status_from=ItemStatus.SUBMITTED,
        status_to=status_to,
    )
    review = Review.objects.create(
        item=item, reviewer=user, decision=decision, comment=comment, update=update
    )
    told = MessageKind.APPROVED if decision == ReviewDecision.APPROVE else MessageKind.RETURNED
    notify(kind=told, item=item, actor=user, to=LEAD_STAFF, text=comment)
    ledger_changed()
    item.refresh_from_db(fields=["status", "version", "updated_at", "done_at"])
    return review


def extension_request(*, item: Item, user, new_due_on: date, reason: str) -> ExtensionRequest:
    """The lead unit (or a reviewer) asks for a later deadline, with a reason. Two requests
    sent at the same moment: the second is refused (Conflict), as one sent later would be."""
    with conflicts_as(_("An extension request for this item is already waiting for a decision.")):
        return _extension_request(item=item, user=user, new_due_on=new_due_on, reason=reason)


@transaction.atomic
def _extension_request(*, item: Item, user, new_due_on: date, reason: str) -> ExtensionRequest:
    years.refuse_closed(item)
    if not permissions.can_request_extension(user, item):
        raise PermissionDenied
    reason = (reason or "").strip()
    if item.status == ItemStatus.DONE:
        raise ValidationError(_("A completed item needs no new deadline."))
    if not reason:
        raise ValidationError(_("Give the reason for the extension."))
    if new_due_on is None:
        raise ValidationError(_("Give the new deadline."))
    floor = max(filter(None, [item.due_on, timezone.localdate()]))
    if new_due_on <= floor:
        raise ValidationError(
            _("The new deadline must be later than %(date)s.") % {"date": floor.strftime("%Y-%m-%d")}
        )
    if ExtensionRequest.objects.filter(item=item, decision=ExtensionDecision.PENDING).exists():
        raise ValidationError(_("An extension request for this item is already waiting for a decision."))
    extension = ExtensionRequest.objects.create(
        item=item, requested_by=user, previous_due_on=item.due_on, new_due_on=new_due_on, reason=reason
    )
    ProgressUpdate.objects.create(
        item=item,
        author=user,
        kind=UpdateKind.EXTENSION,
        event=history.event(history.EXTENSION_ASKED, date=new_due_on.strftime("%Y-%m-%d")),
        note=reason,
    )
    ledger_changed()
    return extension


@transaction.atomic
def extension_decide(
    *, extension: ExtensionRequest, user, grant: bool, comment: str = ""
) -> ExtensionRequest:
    """A reviewer grants (the deadline moves) or refuses an extension request."""
    item = extension.item
    years.refuse_closed(item)
    if not permissions.can_decide_extension(user, extension):
        raise PermissionDenied
    comment = (comment or "").strip()
    if not grant and not comment:
        raise ValidationError(_("Say why the extension is refused."))
    now = timezone.now()
    decision = ExtensionDecision.GRANTED if grant else ExtensionDecision.REFUSED
    if not ExtensionRequest.objects.filter(pk=extension.pk, decision=ExtensionDecision.PENDING).update(
        decision=decision, decided_by=user, decided_at=now, comment=comment
    ):
        raise ValidationError(_("This extension request has already been decided."))
    if grant:
        _bump(item, user=user, due_on=extension.new_due_on)
        said = history.event(history.EXTENSION_GRANTED, date=extension.new_due_on.strftime("%Y-%m-%d"))
    else:
        said = history.event(history.EXTENSION_REFUSED)
    ProgressUpdate.objects.create(item=item, author=user, kind=UpdateKind.EXTENSION, event=said, note=comment)
    notify(
        kind=MessageKind.EXTENSION_DECIDED,
        item=item,
        actor=user,
        to=[extension.requested_by_id],
        text=comment,
        data={"granted": grant, "date": extension.new_due_on.strftime("%Y-%m-%d")},
    )
    ledger_changed()
    extension.refresh_from_db()
    return extension


ASSIGNABLE = (
    "lead_unit",
    "cooperating_units",
    "assignee",
    "due_on",
    "responsible_name",
    "responsible_post",
    "responsible_phone",
)
# A responsible official named without an account: exclusive with ``assignee``.
OFFICIAL = ("responsible_name", "responsible_post", "responsible_phone")


def _person(user) -> str:
    return user_label(user) or "—"


def _name(unit) -> str:
    return str(unit) if unit is not None else ""


def _day(day: date | None) -> str:
    return day.strftime("%Y-%m-%d") if day else ""


def _responsible(assignee, name: str, post: str) -> str:
    """Who answers for an item, as its history records it: a user, else the named official ("" for
    nobody)."""
    return user_label(assignee) if assignee else official_label(name, post)


def official_error(changes: dict) -> str | None:
    """A responsible person is a user of the lead unit or a named official, never both; an
    official's post or phone needs his or her name."""
    typed = {name: (changes.get(name) or "").strip() for name in OFFICIAL}
    if changes.get("assignee") is not None and any(typed.values()):
        return _("Choose a user or type the name of an official without an account, not both.")
    if not typed["responsible_name"] and (typed["responsible_post"] or typed["responsible_phone"]):
        return _("Type the official's name as well as his or her post or phone.")
    return None


def _assignment_changes(item: Item, changes: dict, members: set[tuple[int, int]]) -> tuple[dict, list[list]]:
    """The fields that really change on ``item``, and what its history records of them
    (``history.ASSIGNED``'s changes: field, old, new).

    A new lead unit drops a responsible person who is not one of its members (``members``
    holds the (user, unit) pairs that exist), unless the change names one. Choosing a user
    clears a named official; naming an official clears the user.
    """
    changes = dict(changes)
    for name in OFFICIAL:
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    new_lead = changes.get("lead_unit", item.lead_unit)
    if (
        "lead_unit" in changes
        and "assignee" not in changes
        and item.assignee_id
        and new_lead is not None
        and (item.assignee_id, new_lead.pk) not in members
    ):
        changes["assignee"] = None
    if changes.get("assignee") is not None:
        changes.update(dict.fromkeys(OFFICIAL, ""))
    elif changes.get("responsible_name"):
        changes["assignee"] = None
    fields, said = {}, []
    if "lead_unit" in changes and changes["lead_unit"] != item.lead_unit:
        fields["lead_unit"] = changes["lead_unit"]
        said.append([history.LEAD_UNIT, _name(item.lead_unit), _name(changes["lead_unit"])])
    if "cooperating_units" in changes:
        old = {unit.pk: unit for unit in item.cooperating_units.all()}
        new = {unit.pk: unit for unit in changes["cooperating_units"]}
        if set(old) != set(new):
            fields["cooperating_units"] = list(new.values())
            said.append(
                [history.COOPERATING_UNITS, [str(u) for u in old.values()], [str(u) for u in new.values()]]
            )
    if "assignee" in changes and changes["assignee"] != item.assignee:
        fields["assignee"] = changes["assignee"]
    for name in OFFICIAL:
        if name in changes and changes[name] != getattr(item, name):
            fields[name] = changes[name]
    before = _responsible(item.assignee, item.responsible_name, item.responsible_post)
    after = _responsible(
        fields.get("assignee", item.assignee),
        fields.get("responsible_name", item.responsible_name),
        fields.get("responsible_post", item.responsible_post),
    )
    if before != after:
        said.append([history.RESPONSIBLE, before, after])
    if "responsible_phone" in fields:
        said.append([history.RESPONSIBLE_PHONE, item.responsible_phone, fields["responsible_phone"]])
    if "due_on" in changes and changes["due_on"] != item.due_on:
        fields["due_on"] = changes["due_on"]
        said.append([history.DUE_ON, _day(item.due_on), _day(changes["due_on"])])
    return fields, said


def _assignment_error(item: Item, fields: dict, members: set[tuple[int, int]]) -> str | None:
    if not permissions.is_tracked(item):
        return _("An achievement is a record of work done; it is not assigned.")
    lead = fields.get("lead_unit", item.lead_unit)
    cooperating = fields.get("cooperating_units")
    if cooperating is None:
        cooperating = list(item.cooperating_units.all())
    elsewhere = units_government_error(item.report.government_id, [lead, *cooperating])
    if elsewhere:
        return elsewhere
    return _assignment_rule_error(lead, cooperating, fields.get("assignee"), members)


def _assignment_rule_error(
    lead: Unit | None, cooperating: Iterable[Unit], assignee, members: set[tuple[int, int]]
) -> str | None:
    conflict = lead_unit_conflict_error(lead, cooperating)
    if conflict:
        return conflict
    if assignee is not None and lead is not None and (assignee.pk, lead.pk) not in members:
        return _("%(person)s is not a member of the lead unit %(unit)s.") % {
            "person": _person(assignee),
            "unit": lead,
        }
    return None


def assignment_error(*, lead_unit: Unit | None, cooperating_units: Iterable[Unit], assignee) -> str | None:
    """What ``items_assign`` would refuse in an item's resulting assignment, for a form to show
    before saving (the service checks again when it writes)."""
    members = set()
    if assignee is not None:
        members = set(Membership.objects.filter(user=assignee).values_list("user_id", "unit_id"))
    return _assignment_rule_error(lead_unit, list(cooperating_units), assignee, members)


@transaction.atomic
def items_assign(
    *, items: Sequence[Item], user, changes: dict, expected_version: int | None = None
) -> list[Item]:
    """Set lead unit, cooperating units, responsible person (a user of the lead unit, or an
    official named without an account: name, post, phone) and deadline on one or many items.

    ``changes`` holds only the fields to set (keys of ASSIGNABLE); the others stay. Choosing a
    user clears the named official and naming an official clears the user; both at once are
    refused. All or nothing: an item of a closed year refuses the whole batch (YearClosed),
    and so does one invalid item (a lead unit also cooperating, a responsible person outside
    the lead unit, an achievement), naming the items. Each item that really changes gets one
    history entry. Returns the changed items.
    """
    years.refuse_closed_items(item.pk for item in items)
    if not permissions.can_assign(user):
        raise PermissionDenied
    unknown = set(changes) - set(ASSIGNABLE)
    if unknown:
        raise ValueError(f"not assignable: {sorted(unknown)}")
    official = official_error(changes)
    if official:
        raise ValidationError(official)
    locked = list(
        Item.objects.select_for_update(of=("self",))
        .filter(pk__in=[item.pk for item in items])
        .select_related("report", "lead_unit", "assignee")
        .prefetch_related("cooperating_units")
        .order_by("pk")
    )
    people = {item.assignee_id for item in locked if item.assignee_id}
    if changes.get("assignee") is not None:
        people.add(changes["assignee"].pk)
    members = set(Membership.objects.filter(user_id__in=people).values_list("user_id", "unit_id"))
    if expected_version is not None and any(item.version != expected_version for item in locked):
        raise StaleItem(next(i for i in locked if i.version != expected_version), user)
    plans, errors = [], []
    for item in locked:
        fields, said = _assignment_changes(item, changes, members)
        if not fields:
            continue
        error = _assignment_error(item, fields, members)
        if error:
            errors.append(_("%(item)s: %(error)s") % {"item": item.title, "error": error})
        plans.append((item, fields, said))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for item, fields, said in plans:
        cooperating = fields.pop("cooperating_units", None)
        Item.objects.filter(pk=item.pk).update(version=F("version") + 1, updated_at=now, **fields)
        if cooperating is not None:
            item.cooperating_units.set(cooperating)
        ProgressUpdate.objects.create(
            item=item,
            author=user,
            kind=UpdateKind.ASSIGNMENT,
            event=history.event(history.ASSIGNED, changes=said),
        )
    if plans:
        ledger_changed()
    return [item for item, _fields, _said in plans]


def _links_event(kind: str, added: int, removed: int) -> dict:
    """What an item's history records when the items linked to it change: how many, never
    which (the other end may be an item that the readers of this history may not see)."""
    return history.event(history.LINKS, kind=kind, added=added, removed=removed)


@transaction.atomic
def item_set_links(*, item: Item, user, others: Iterable[Item], expected_version: int) -> bool:
    """A reviewer sets which shortfalls a measure answers (``item`` a measure, ``others``
    shortfalls), or which measures answer a shortfall (``item`` a shortfall, ``others``
    measures): exactly ``others``, in one transaction.

    A measure whose links were to be confirmed (``link_unsure``) is confirmed by it, even
    when the links stay as they were; so is each measure newly linked from a shortfall's page.
    Each item whose links change gets a history entry saying how many were added and removed
    (never which: see ``_links_event``); ``item``'s version moves on. Refuses
    (PermissionDenied) anyone but a reviewer and items that are neither measures nor
    shortfalls, (YearClosed) a closed year, on either end, (ValidationError) an item of the wrong kind,
    (StaleItem) a page opened on an older version. Returns whether anything changed.
    """
    years.refuse_closed(item)
    if not permissions.can_link(user, item):
        raise PermissionDenied
    measure = item.kind == ItemKind.MEASURE
    other_kind = ItemKind.SHORTFALL if measure else ItemKind.MEASURE
    others = list(others)
    if any(other.kind != other_kind for other in others):
        raise ValidationError(
            _("A measure answers shortfalls only.") if measure else _("Only measures answer a shortfall.")
        )
    locked = Item.objects.select_for_update(of=("self",)).filter(pk=item.pk).values_list("version", flat=True)
    if list(locked) != [expected_version]:
        raise StaleItem(item, user)
    Through = Item.addresses.through
    mine, theirs = ("from_item_id", "to_item_id") if measure else ("to_item_id", "from_item_id")
    current = set(Through.objects.filter(**{mine: item.pk}).values_list(theirs, flat=True))
    wanted = {other.pk for other in others}
    added, removed = wanted - current, current - wanted
    years.refuse_closed_items(added | removed)
    confirming = measure and item.link_unsure
    if not (added or removed or confirming):
        return False
    Through.objects.filter(**{mine: item.pk, f"{theirs}__in": removed}).delete()
    Through.objects.bulk_create([Through(**{mine: item.pk, theirs: pk}) for pk in sorted(added)])
    _bump(item, expected_version, user=user, **({"link_unsure": False} if measure else {}))
    item.link_unsure = False if measure else item.link_unsure
    now = timezone.now()
    if not measure and added:
        Item.objects.filter(pk__in=added, link_unsure=True).update(link_unsure=False)
    Item.objects.filter(pk__in=added | removed).update(updated_at=now)
    entries = [
        ProgressUpdate(
            item=item,
            author=user,
            kind=UpdateKind.ASSIGNMENT,
            event=_links_event(item.kind, len(added), len(removed)),
        )
    ]
    for pk in sorted(added | removed):
        entries.append(
            ProgressUpdate(
                item_id=pk,
                author=user,
                kind=UpdateKind.ASSIGNMENT,
                event=_links_event(other_kind, int(pk in added), int(pk in removed)),
            )
        )
    ProgressUpdate.objects.bulk_create(entries)
    ledger_changed()
    return True


DESCRIPTIVE = ("section", "area", "kind", "title", "text", "order", "addresses", "carried_from")


def _section_error(item: Item, section) -> str | None:
    if section is not None and section.report_id != item.report_id:
        return _("The section %(section)s belongs to another year's report.") % {"section": section}
    return None


@transaction.atomic
def item_describe(*, item: Item, user, changes: dict, expected_version: int) -> Item:
    """An administrator corrects what an item says and where it stands in its report: title,
    text, kind, area, section, order, the shortfalls a measure answers, the item it carries on.

    Never its status or its dates: status moves only by the workflow on the item pages (so
    nobody approves his or her own work); assignment goes through ``items_assign``. Refuses
    (PermissionDenied) anyone but an administrator, (YearClosed) a closed year, (ValidationError) a
    section of another report, (StaleItem) a form opened on an older version. One history
    entry names the fields that changed.
    """
    years.refuse_closed(item)
    if not permissions.is_administrator(user):
        raise PermissionDenied
    unknown = set(changes) - set(DESCRIPTIVE)
    if unknown:
        raise ValueError(f"not describable: {sorted(unknown)}")
    error = _section_error(item, changes.get("section"))
    if error:
        raise ValidationError(error)
    if not changes:
        return item
    fields = dict(changes)
    addresses = fields.pop("addresses", None)
    _bump(item, expected_version, user=user, **fields)
    if addresses is not None:
        item.addresses.set(addresses)
    ProgressUpdate.objects.create(
        item=item,
        author=user,
        kind=UpdateKind.ASSIGNMENT,
        event=history.event(history.DESCRIBED, fields=[name for name in DESCRIPTIVE if name in changes]),
    )
    ledger_changed()
    return item


@transaction.atomic
def item_create(
    *, item: Item, user, cooperating_units: Iterable[Unit] = (), addresses: Iterable[Item] = ()
) -> Item:
    """An administrator adds an item by hand (a task that no imported table holds).

    ``item`` is unsaved, as a form built it. It starts not started, whatever it was given: its
    status then moves only by the workflow. Refuses (PermissionDenied) anyone but an
    administrator, (YearClosed) a closed year and (ValidationError) a section of another report or an
    assignment that ``items_assign`` would refuse. One history entry records the addition.
    """
    years.refuse_closed(item)
    if not permissions.is_administrator(user):
        raise PermissionDenied
    if item.pk is not None:
        raise ValueError("item_create takes an unsaved item")
    cooperating_units = list(cooperating_units)
    error = _section_error(item, item.section) or assignment_error(
        lead_unit=item.lead_unit, cooperating_units=cooperating_units, assignee=item.assignee
    )
    if error:
        raise ValidationError(error)
    item.year = item.report.year  # set here, not by save() (see Item.year)
    item.status = ItemStatus.NOT_STARTED
    item.done_at = item.submitted_at = None
    item.version = 1
    item.save()
    item.cooperating_units.set(cooperating_units)
    item.addresses.set(addresses)
    ProgressUpdate.objects.create(
        item=item, author=user, kind=UpdateKind.ASSIGNMENT, event=history.event(history.CREATED)
    )
    ledger_changed()
    return item


CHASE_NOTE_MAX = 1000


def items_chase(*, items: Sequence[Item], user, note: str) -> list[Chase]:
    """The office or a leader chases items (催办) with a note saying what is asked: one Chase
    and one history entry per item; the lead unit's staff get a message and the chat groups
    that follow the item a push (tracker/notices.py).

    All or nothing: refuses (YearClosed) an item of a closed year, (PermissionDenied) a person
    who may not chase or an item he or she does not see, (ValidationError) an empty or too
    long note, or an item that is done or no tracked work (naming it).
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Write what the unit is asked to do."))
    if len(note) > CHASE_NOTE_MAX:
        raise ValidationError(_("Keep the note under %(max)s characters.") % {"max": CHASE_NOTE_MAX})
    if not items:
        raise ValidationError(_("Tick the items to chase first."))
    years.refuse_closed_items(item.pk for item in items)
    if not permissions.can_chase(user):
        raise PermissionDenied
    chased = []
    with transaction.atomic():
        locked = list(
            Item.objects.select_for_update(of=("self",))
            .filter(pk__in=[item.pk for item in items])
            .select_related("report", "lead_unit")
            .order_by("pk")
        )
        for item in locked:
            if not permissions.can_view_item(user, item):
                raise PermissionDenied
            if not permissions.can_chase_item(user, item):
                raise ValidationError(
                    _("“%(title)s” cannot be chased: it is done or is no tracked work.")
                    % {"title": item.title}
                )
        for item in locked:
            update = ProgressUpdate.objects.create(item=item, author=user, kind=UpdateKind.CHASED, note=note)
            chase = Chase.objects.create(item=item, author=user, note=note, update=update)
            notify(kind=MessageKind.CHASED, item=item, actor=user, to=LEAD_STAFF, text=note)
            chased.append(chase)
        Item.objects.filter(pk__in=[item.pk for item in locked]).update(updated_at=timezone.now())
        ledger_changed()
    return chased


@transaction.atomic
def instruction_add(*, item: Item, user, text: str) -> Instruction:
    """A leader's instruction (批示) on an item; the lead unit's staff are told."""
    years.refuse_closed(item)
    if not (permissions.can_instruct(user) and permissions.can_view_item(user, item)):
        raise PermissionDenied
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the instruction."))
    instruction = Instruction.objects.create(item=item, author=user, text=text)
    notify(kind=MessageKind.INSTRUCTION, item=item, actor=user, to=LEAD_STAFF, text=text)
    return instruction


def instruction_reply(
    *, instruction: Instruction, user, note: str, files: Sequence[UploadedFile] = ()
) -> ProgressUpdate:
    """The item's lead unit replies (反馈) to a leader's instruction: a note and evidence
    files, written as a history entry of the item that points at the instruction (its files
    are the item's evidence, downloaded and previewed as any other).

    Refuses (YearClosed) a closed year, (Conflict) an instruction handled meanwhile,
    (PermissionDenied) anyone but the lead unit's staff, (ValidationError) a reply without a
    note or a bad file; a storage that refuses the files raises EvidenceNotStored. A refusal
    writes nothing, and leaves no file behind. Must not run inside a caller's transaction.
    """
    item = instruction.item
    years.refuse_closed(item)
    if not permissions.can_reply_instruction(user, instruction):
        raise PermissionDenied
    if instruction.is_handled:
        raise InstructionHandled
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Write the reply: what the unit has done about the instruction."))
    checked = [check_upload(upload) for upload in files]
    with _files_kept_if_committed(item) as saved, transaction.atomic(durable=True):
        # Locked, so that a reply and the handling of the instruction, sent at the same
        # moment, come one after the other: a reply never lands on a handled instruction.
        locked = Instruction.objects.select_for_update().filter(pk=instruction.pk)
        if locked.values_list("handled_at", flat=True).get() is not None:
            raise InstructionHandled
        update = ProgressUpdate.objects.create(
            item=item, author=user, kind=UpdateKind.REPLY, note=note, instruction=instruction
        )
        _store_evidence(update=update, files=checked, user=user, saved=saved)
        Item.objects.filter(pk=item.pk).update(updated_at=timezone.now())
        notify(
            kind=MessageKind.INSTRUCTION_REPLY, item=item, actor=user, to=[instruction.author_id], text=note
        )
        ledger_changed()
    return update


@transaction.atomic
def instruction_handle(*, instruction: Instruction, user) -> Instruction:
    """The leader who gave an instruction, or a reviewer, marks it handled (办结): once, for
    good, recorded in the item's history.

    Refuses (YearClosed) a closed year, (Conflict) an instruction handled already (two people
    marking it at the same moment: the second is told), (PermissionDenied) anyone else.
    """
    years.refuse_closed(instruction.item)
    if not permissions.can_handle_instruction(user, instruction):
        raise PermissionDenied
    if instruction.is_handled:
        raise InstructionHandled
    now = timezone.now()
    if not Instruction.objects.filter(pk=instruction.pk, handled_at__isnull=True).update(
        handled_at=now, handled_by=user
    ):
        raise InstructionHandled
    instruction.handled_at, instruction.handled_by = now, user
    ProgressUpdate.objects.create(
        item_id=instruction.item_id,
        author=user,
        kind=UpdateKind.HANDLED,
        event=history.event(history.INSTRUCTION_HANDLED, text=instruction.text),
        instruction=instruction,
    )
    Item.objects.filter(pk=instruction.item_id).update(updated_at=now)
    notify(
        kind=MessageKind.INSTRUCTION_HANDLED,
        item=instruction.item,
        actor=user,
        to=LEAD_STAFF,
        text=instruction.text,
    )
    ledger_changed()
    return instruction


def item_follow(*, item: Item, user, follow: bool) -> bool:
    """Follow or stop following an item. Returns whether the user now follows it."""
    if not (permissions.can_follow(user) and permissions.can_view_item(user, item)):
        raise PermissionDenied
    if follow:
        Follow.objects.get_or_create(user=user, item=item)
    else:
        Follow.objects.filter(user=user, item=item).delete()
    return follow
