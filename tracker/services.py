"""Writes to the ledger. Views and forms hand validated data to these functions."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from .models import Item, Membership, Unit


def lead_unit_conflict_error(lead_unit: Unit | None, cooperating_units: Iterable[Unit]) -> str | None:
    """The message to show when the lead unit is also listed as cooperating, else None."""
    if lead_unit is not None and any(unit.pk == lead_unit.pk for unit in cooperating_units):
        return gettext("%(unit)s is the lead unit; it cannot also be a cooperating unit.") % {
            "unit": lead_unit
        }
    return None


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


@transaction.atomic
def user_set_units(*, user, units: Iterable[Unit]) -> None:
    """Make ``user`` a member of exactly ``units``."""
    wanted = {unit.pk for unit in units}
    Membership.objects.filter(user=user).exclude(unit_id__in=wanted).delete()
    have = set(Membership.objects.filter(user=user).values_list("unit_id", flat=True))
    Membership.objects.bulk_create([Membership(user=user, unit_id=pk) for pk in wanted - have])
