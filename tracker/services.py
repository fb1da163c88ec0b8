"""Writes to the ledger. Views and forms hand validated data to these functions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions, workflow
from .evidence import check_upload, storage_name
from .models import Evidence, Item, Membership, ProgressUpdate, Unit


class StaleItem(Exception):
    """Someone else saved the item after the form was opened."""

    def __init__(self):
        super().__init__(
            _(
                "This item has been updated by someone else. Its current state is shown; your note is kept below."
            )
        )


def lead_unit_conflict_error(lead_unit: Unit | None, cooperating_units: Iterable[Unit]) -> str | None:
    """The message to show when the lead unit is also listed as cooperating, else None."""
    if lead_unit is not None and any(unit.pk == lead_unit.pk for unit in cooperating_units):
        return _("%(unit)s is the lead unit; it cannot also be a cooperating unit.") % {"unit": lead_unit}
    return None


def ensure_year_open(item: Item) -> None:
    if item.report.is_closed:
        raise ValidationError(
            _("The year %(year)s is closed; its items can no longer change.") % {"year": item.report.year}
        )


@transaction.atomic
def item_assign_units(*, item: Item, lead_unit: Unit | None, cooperating_units: Iterable[Unit]) -> Item:
    """Set an item's lead and cooperating units; refuses a lead unit that also cooperates."""
    cooperating_units = list(cooperating_units)
    error = lead_unit_conflict_error(lead_unit, cooperating_units)
    if error:
        raise ValidationError({"cooperating_units": error})
    item.lead_unit = lead_unit
    item.version = F("version") + 1
    item.save(update_fields=["lead_unit", "version", "updated_at"])
    item.cooperating_units.set(cooperating_units)
    item.refresh_from_db(fields=["version"])
    return item


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

    Refuses (PermissionDenied) what the user's role does not allow, (ValidationError) a move
    the status machine does not allow or a bad file, and (StaleItem) a form opened on an older
    version of the item. Files are checked before anything is written, and removed again if
    the database write fails, so no orphan file stays on disk.
    """
    if not permissions.can_add_progress(user, item):
        raise PermissionDenied
    ensure_year_open(item)
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
        raise StaleItem
    checked = [check_upload(upload) for upload in files]

    saved: list[str] = []
    try:
        with transaction.atomic():
            changed = Item.objects.filter(pk=item.pk, version=expected_version).update(
                status=status if moving else item.status,
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
            if not changed:
                raise StaleItem
            update = ProgressUpdate.objects.create(
                item=item,
                author=user,
                note=note,
                status_from=item.status if moving else "",
                status_to=status if moving else "",
            )
            for file in checked:
                name = default_storage.save(storage_name(file), file.upload)
                saved.append(name)
                Evidence.objects.create(
                    update=update,
                    file=name,
                    original_name=file.original_name,
                    size=file.size,
                    content_type=file.content_type,
                    sha256=file.sha256,
                    uploaded_by=user,
                )
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise
    item.refresh_from_db(fields=["status", "version", "updated_at"])
    return update


@transaction.atomic
def user_set_units(*, user, units: Iterable[Unit]) -> None:
    """Make ``user`` a member of exactly ``units``."""
    wanted = {unit.pk for unit in units}
    Membership.objects.filter(user=user).exclude(unit_id__in=wanted).delete()
    have = set(Membership.objects.filter(user=user).values_list("unit_id", flat=True))
    Membership.objects.bulk_create([Membership(user=user, unit_id=pk) for pk in wanted - have])
