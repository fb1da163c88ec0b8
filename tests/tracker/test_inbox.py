"""The message centre's pages: each person's own messages only, marked read when opened or all
at once, filtered by kind, and the unread count in the menu bar (one query)."""

import re

import pytest
from django.test import RequestFactory
from django.utils import timezone

from tests.factories import AnnualReportFactory, ItemFactory, ReviewerFactory, StaffFactory
from tracker.choices import MessageKind
from tracker.context_processors import navigation
from tracker.models import Message
from tracker.services import instruction_add, item_review

from .steering import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned(item, staff_client, reviewer_client):
    """The lead unit's item, submitted by staff1 and returned by the reviewer."""
    submit(item, staff_client.user)
    item_review(item=item, user=reviewer_client.user, decision="return", comment="请补充会议纪要")
    return Message.objects.get(recipient=staff_client.user, kind=MessageKind.RETURNED)


def badge(client) -> str | None:
    found = re.search(r'data-testid="inbox-unread">([^<]+)<', client.get("/").content.decode())
    return found.group(1) if found else None


def message_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-message="(\d+)"', response.content.decode())]


def test_the_inbox_shows_the_message_bold_with_its_comment_and_a_link_to_its_item(
    staff_client, returned, item
):
    content = staff_client.get("/inbox/").content.decode()
    assert f'<li class="list-group-item unread" data-message="{returned.pk}">' in content
    assert "退回" in content and "请补充会议纪要" in content and item.title in content
    assert f'action="/inbox/{returned.pk}/read/"' in content


def test_a_person_sees_only_his_or_her_own_messages(other_staff_client, reviewer_client, returned):
    assert message_ids(other_staff_client.get("/inbox/")) == []
    # The reviewer heard of the submission, not of his own return.
    mine = Message.objects.filter(recipient=reviewer_client.user)
    assert set(message_ids(reviewer_client.get("/inbox/"))) == set(mine.values_list("pk", flat=True))
    assert list(mine.values_list("kind", flat=True)) == [MessageKind.SUBMITTED]
    assert "请补充会议纪要" not in reviewer_client.get("/inbox/").content.decode()


def test_opening_a_message_marks_it_read_and_goes_to_its_item(staff_client, returned, item):
    response = staff_client.post(f"/inbox/{returned.pk}/read/")
    assert response.status_code == 302 and response.url == f"/items/{item.pk}/"
    returned.refresh_from_db()
    assert returned.read_at is not None
    content = staff_client.get("/inbox/").content.decode()
    assert f'<li class="list-group-item" data-message="{returned.pk}">' in content
    assert f'href="/items/{item.pk}/"' in content


def test_mark_read_can_go_back_to_the_inbox_but_never_off_the_site(staff_client, returned):
    response = staff_client.post(f"/inbox/{returned.pk}/read/", {"next": "/inbox/?kind=returned"})
    assert response.url == "/inbox/?kind=returned"
    response = staff_client.post(f"/inbox/{returned.pk}/read/", {"next": "https://evil.example/"})
    assert response.url == f"/items/{returned.item_id}/"


def test_someone_elses_message_and_a_bad_id_are_404_and_stay_unread(
    other_staff_client, reviewer_client, returned
):
    for client in (other_staff_client, reviewer_client):
        assert client.post(f"/inbox/{returned.pk}/read/").status_code == 404
    assert other_staff_client.post("/inbox/999999/read/").status_code == 404
    assert other_staff_client.post("/inbox/abc/read/").status_code == 404
    returned.refresh_from_db()
    assert returned.read_at is None


def test_mark_all_read_marks_only_ones_own(staff_client, reviewer_client, returned):
    assert badge(staff_client) == "1" and badge(reviewer_client) == "1"
    response = staff_client.post("/inbox/read-all/", {"next": "/inbox/"}, follow=True)
    assert "1条消息已标为已读" in response.content.decode()
    assert badge(staff_client) is None
    assert badge(reviewer_client) == "1"


def test_the_filter_by_kind_and_unread(staff_client, leader_client, returned, item):
    instruction_add(item=item, user=leader_client.user, text="请抓紧")
    instruction = Message.objects.get(kind=MessageKind.INSTRUCTION)
    assert message_ids(staff_client.get("/inbox/")) == [instruction.pk, returned.pk]
    assert message_ids(staff_client.get("/inbox/?kind=returned")) == [returned.pk]
    assert message_ids(staff_client.get("/inbox/?kind=instruction")) == [instruction.pk]
    staff_client.post(f"/inbox/{instruction.pk}/read/")
    assert message_ids(staff_client.get("/inbox/?unread=true")) == [returned.pk]
    response = staff_client.get("/inbox/?kind=nonsense")
    assert response.status_code == 200 and message_ids(response) == []
    assert "消息中心没有这种筛选条件" in response.content.decode()


def test_the_menu_bar_counts_unread_messages_and_stops_at_99_plus(staff_client, returned, item):
    assert badge(staff_client) == "1"
    Message.objects.bulk_create(
        Message(recipient=staff_client.user, item=item, kind=MessageKind.APPROVED) for _ in range(150)
    )
    assert badge(staff_client) == "99+"
    Message.objects.update(read_at=timezone.now())
    assert badge(staff_client) is None
    assert 'href="/inbox/" data-testid="inbox-link">消息' in staff_client.get("/").content.decode()


def test_the_unread_count_costs_one_query_however_often_drawn_and_none_when_anonymous(
    django_assert_num_queries, returned, staff_client
):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert navigation(request)["inbox_unread"] == 0
    request.user = staff_client.user
    context = navigation(request)  # the role: read here, and kept for the request
    with django_assert_num_queries(1):
        assert context["inbox_unread"]() == 1
        assert navigation(request)["inbox_unread"]() == 1


def test_the_inbox_costs_as_many_queries_for_30_messages_as_for_3(
    django_assert_max_num_queries, staff_client, lead_unit
):
    report = AnnualReportFactory(year=2020)
    reviewers = [ReviewerFactory() for _ in range(3)]

    def add(count):
        Message.objects.bulk_create(
            Message(
                recipient=staff_client.user,
                item=ItemFactory(report=report, lead_unit=lead_unit),
                actor=reviewers[n % 3],
                kind=MessageKind.RETURNED,
                text="补充",
            )
            for n in range(count)
        )

    add(3)
    with django_assert_max_num_queries(12) as few:
        assert len(message_ids(staff_client.get("/inbox/"))) == 3
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(message_ids(staff_client.get("/inbox/"))) == 25  # a page


def test_a_colleagues_copy_of_the_same_message_is_his_own(staff_client, reviewer_client, item, lead_unit):
    colleague = StaffFactory(units=[lead_unit])
    submit(item, staff_client.user)
    item_review(item=item, user=reviewer_client.user, decision="return", comment="请补充")
    mine, his = (
        Message.objects.get(recipient=user, kind=MessageKind.RETURNED)
        for user in (staff_client.user, colleague)
    )
    assert message_ids(staff_client.get("/inbox/")) == [mine.pk]
    assert staff_client.post(f"/inbox/{his.pk}/read/").status_code == 404


def test_an_item_moved_to_another_unit_is_no_longer_named_in_the_inbox(staff_client, returned, item):
    from tests.factories import UnitFactory

    item.lead_unit = UnitFactory(name="县水利局")
    item.save()
    content = staff_client.get("/inbox/").content.decode()
    assert item.title not in content
    assert "您已无权查看的事项（已改由其他单位牵头）" in content
    assert f'href="/items/{item.pk}/"' not in content
    # The message itself stays, and opening it answers as the item's page does.
    assert "请补充会议纪要" in content
    assert staff_client.post(f"/inbox/{returned.pk}/read/").status_code == 302
    assert staff_client.get(f"/items/{item.pk}/").status_code == 404


def test_a_long_inbox_is_counted_only_as_deep_as_the_page_asked(staff_client, lead_unit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item = ItemFactory(report=AnnualReportFactory(year=2020), lead_unit=lead_unit)
    Message.objects.bulk_create(
        Message(recipient=staff_client.user, item=item, kind=MessageKind.RETURNED) for _ in range(60)
    )

    def page(query):
        with CaptureQueriesContext(connection) as context:
            content = staff_client.get(f"/inbox/?per_page=5{query}").content.decode()
        counts = [
            q["sql"] for q in context.captured_queries if "COUNT(*)" in q["sql"] and "read_at" not in q["sql"]
        ]
        return content, counts

    content, counts = page("")
    assert "第1页<" in content and "共12页" not in content
    assert "较早的消息" in content  # a next page is offered
    assert len(counts) == 1 and "LIMIT 51" in counts[0]  # ten pages and one row, not 60
    content, _counts = page("&page=12")
    assert "第12页，共12页" in content
    assert "较早的消息" not in content
    Message.objects.filter(pk__in=Message.objects.values("pk")[:20]).delete()  # 40 left: 8 pages
    content, _counts = page("")
    assert "第1页，共8页" in content
