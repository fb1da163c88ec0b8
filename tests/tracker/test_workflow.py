"""The status machine: every move allowed and refused."""

import pytest

from tracker import workflow
from tracker.choices import ItemStatus as S

ALLOWED = {
    (S.NOT_STARTED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.SUBMITTED),
    (S.RETURNED, S.IN_PROGRESS),
}


@pytest.mark.parametrize("status_from", S.values)
@pytest.mark.parametrize("status_to", S.values)
def test_progress_form_moves(status_from, status_to):
    assert workflow.can_move(status_from, status_to) == ((status_from, status_to) in ALLOWED)


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
