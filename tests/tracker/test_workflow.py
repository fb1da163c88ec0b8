"""The status machine: every move allowed and refused."""

import pytest

from tracker import workflow
from tracker.choices import ItemStatus as S

ALLOWED = {
    (S.NOT_STARTED, S.IN_PROGRESS),
    (S.RETURNED, S.IN_PROGRESS),
    # Submitting for review: one step from every open status (a resubmission included).
    (S.NOT_STARTED, S.SUBMITTED),
    (S.IN_PROGRESS, S.SUBMITTED),
    (S.RETURNED, S.SUBMITTED),
}


@pytest.mark.parametrize("status_from", S.values)
@pytest.mark.parametrize("status_to", S.values)
def test_moves_a_unit_may_make(status_from, status_to):
    assert workflow.can_move(status_from, status_to) == ((status_from, status_to) in ALLOWED)


@pytest.mark.parametrize("status_from", S.values)
def test_the_progress_form_never_submits(status_from):
    """Submitting is its own action (with its note and files): the progress form's status
    choices never hold it."""
    assert S.SUBMITTED not in workflow.progress_moves(status_from)
    assert workflow.can_submit(status_from) == (status_from in (S.NOT_STARTED, S.IN_PROGRESS, S.RETURNED))


def test_approve_and_return_are_review_decisions_only():
    assert not workflow.can_move(S.SUBMITTED, S.DONE)
    assert not workflow.can_move(S.SUBMITTED, S.RETURNED)
    assert set(workflow.REVIEW_MOVES[S.SUBMITTED]) == {S.DONE, S.RETURNED}


def test_shortfalls_use_rectification_words():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert workflow.status_label("shortfall", S.NOT_STARTED) == "待整改"
        assert workflow.status_label("shortfall", S.DONE) == "已销号"
        assert workflow.status_label("task", S.NOT_STARTED) == "未开始"
        assert workflow.status_label("measure", S.SUBMITTED) == "待审核"
