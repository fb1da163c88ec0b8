"""What an item's history says by itself: an assignment's changes, an import or rollover that
opened the item, an extension asked or decided, links changed, an administrator's correction.

It is kept on the entry as data (``ProgressUpdate.event``: a code and its values) and put into
words when it is read, in the reader's language, so that an entry written by a reviewer in
Chinese reads in English to someone who reads English. What a person wrote (a reason, a
comment) stays in the entry's ``note``, as written. Entries written before the event existed
carried the words in their note, in the writer's language; they are shown as written.

Values are what the ledger holds (unit names, people, dates, titles), never words of the
interface: those are translated here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from .choices import ItemKind

# Codes of ``event``, stored in the database: keep them.
ASSIGNED = "assigned"
LINKS = "links"
DESCRIBED = "described"
CREATED = "created"
EXTENSION_ASKED = "extension_asked"
EXTENSION_GRANTED = "extension_granted"
EXTENSION_REFUSED = "extension_refused"
REPORT_DONE = "report_done"
REPORT_STATED = "report_stated"
TASKS_IMPORTED = "tasks_imported"
CARRIED = "carried"
INSTRUCTION_HANDLED = "instruction_handled"
ESCALATED = "escalated"

# An assignment's fields, as ``assigned`` records them (field, old, new).
LEAD_UNIT = "lead_unit"
COOPERATING_UNITS = "cooperating_units"
RESPONSIBLE = "responsible"
RESPONSIBLE_PHONE = "responsible_phone"
DUE_ON = "due_on"


def event(code: str, **values) -> dict:
    """The ``event`` of a history entry: ``code`` (one of the codes above) and its values,
    plain JSON."""
    return {"code": code, **values}


def describe(event: dict) -> str:
    """The entry's own words, in the active language; "" for no event (or an unknown code)."""
    if not event:
        return ""
    say = _SAYINGS.get(event.get("code"))
    return say(event) if say else ""


def _list(names) -> str:
    return pgettext("list separator", ", ").join(names) or "—"


def _value(field: str, value) -> str:
    if field == COOPERATING_UNITS:
        return _list(value or [])
    return value or "—"


def _assigned(event: dict) -> str:
    phrases = {
        LEAD_UNIT: lambda old, new: _("lead unit: %(old)s → %(new)s") % {"old": old, "new": new},
        COOPERATING_UNITS: lambda old, new: (
            _("cooperating units: %(old)s → %(new)s") % {"old": old, "new": new}
        ),
        RESPONSIBLE: lambda old, new: _("responsible person: %(old)s → %(new)s") % {"old": old, "new": new},
        RESPONSIBLE_PHONE: lambda old, new: (
            _("phone of the responsible person: %(old)s → %(new)s") % {"old": old, "new": new}
        ),
        DUE_ON: lambda old, new: _("deadline: %(old)s → %(new)s") % {"old": old, "new": new},
    }
    said = [
        phrases[field](_value(field, old), _value(field, new))
        for field, old, new in event.get("changes", [])
        if field in phrases
    ]
    return _("Assignment changed: ") + pgettext("clause separator", "; ").join(said)


def _links(event: dict) -> str:
    added, removed = event.get("added", 0), event.get("removed", 0)
    if event.get("kind") == ItemKind.MEASURE:
        if not (added or removed):
            return _("The shortfalls it answers were confirmed as they stand.")
        return _("Shortfalls it answers: %(added)s added, %(removed)s removed.") % {
            "added": added,
            "removed": removed,
        }
    return _("Measures answering it: %(added)s added, %(removed)s removed.") % {
        "added": added,
        "removed": removed,
    }


def _described(event: dict) -> str:
    from .models import Item

    labels = []
    for name in event.get("fields", []):
        try:
            labels.append(str(Item._meta.get_field(name).verbose_name))
        except LookupError:  # a field since removed: its name, as stored
            labels.append(name)
    return _("Changed in the administration: %(fields)s") % {"fields": _list(labels)}


def _tasks_imported(event: dict) -> str:
    lines = [_("Imported from the task list 《%(filename)s》.") % {"filename": event.get("filename", "")}]
    if event.get("unknown_units"):
        lines.append(
            _("Units the task list names that are not in the unit list: %(names)s")
            % {"names": _list(event["unknown_units"])}
        )
    if event.get("sheet_note"):
        lines.append(_("Note in the task list: %(note)s") % {"note": event["sheet_note"]})
    return "\n".join(lines)


def _escalated(event: dict) -> str:
    """An escalation rule fired (tracker/escalation.py): level 1 to the lead unit's head,
    level 2 to the leaders following the item's area. The message centre says the same."""
    days = int(event.get("days") or 0)
    if event.get("level") == 2:
        text = ngettext(
            "Overdue by %(days)s day: escalated to the leaders following its area.",
            "Overdue by %(days)s days: escalated to the leaders following its area.",
            days,
        )
    else:
        text = ngettext(
            "Overdue by %(days)s day: escalated to the head of its lead unit.",
            "Overdue by %(days)s days: escalated to the head of its lead unit.",
            days,
        )
    return text % {"days": days}


_SAYINGS: dict[str, Callable[[dict], str]] = {
    ASSIGNED: _assigned,
    LINKS: _links,
    DESCRIBED: _described,
    CREATED: lambda event: _("Added in the administration."),
    EXTENSION_ASKED: lambda event: _("Asked to move the deadline to %(date)s.") % {"date": event.get("date")},
    EXTENSION_GRANTED: lambda event: (
        _("Extension granted: the deadline is now %(date)s.") % {"date": event.get("date")}
    ),
    EXTENSION_REFUSED: lambda event: _("Extension refused."),
    REPORT_DONE: lambda event: _("Done, according to 《%(title)s》.") % {"title": event.get("title")},
    REPORT_STATED: lambda event: (
        _("Stated in 《%(title)s》; work of %(year)s.")
        % {"title": event.get("title"), "year": event.get("year")}
    ),
    TASKS_IMPORTED: _tasks_imported,
    CARRIED: lambda event: _("Carried over from %(year)s.") % {"year": event.get("year")},
    INSTRUCTION_HANDLED: lambda event: (
        _("Instruction marked handled: %(text)s") % {"text": event.get("text", "")}
    ),
    ESCALATED: _escalated,
}
