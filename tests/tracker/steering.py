"""Helpers the steering tests share (review, extensions, assignment, instructions, scoreboard)."""

from django.urls import reverse

from tracker.services import item_add_progress

ROLES = ["anonymous", "other", "lead", "coop", "leader", "reviewer"]


def submit(item, user, note="已完成，请审核", files=()):
    """Move ``item`` to submitted as ``user`` (through in progress when needed)."""
    item.refresh_from_db()
    if item.status in ("not_started", "returned"):
        item_add_progress(
            item=item, user=user, status="in_progress", note="推进中", expected_version=item.version
        )
        item.refresh_from_db()
    item_add_progress(
        item=item, user=user, status="submitted", note=note, files=files, expected_version=item.version
    )
    item.refresh_from_db()
    return item


def assert_status(response, expected):
    if expected == "login":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected
