"""Leaders' instructions (批示) and follows (关注); leaders change nothing else."""

import pytest
from django.urls import reverse

from tests.factories import LeaderFactory
from tests.tracker.steering import ROLES, assert_status
from tracker.models import Evidence, Follow, Instruction, ProgressUpdate
from tracker.services import instruction_add

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


INSTRUCT = {"anonymous": "login", "other": 404, "lead": 403, "coop": 403, "leader": 302, "reviewer": 403}


@pytest.mark.parametrize("role", ROLES)
def test_instruction_permissions(clients, item, role):
    response = clients[role].post(reverse("tracker:item_instruction", args=[item.pk]), {"text": "抓紧落实"})
    assert_status(response, INSTRUCT[role])
    assert Instruction.objects.exists() == (INSTRUCT[role] == 302)


def test_instruction_shows_on_the_item_and_on_the_units_home(leader_client, staff_client, item):
    instruction_add(item=item, user=leader_client.user, text="请于月底前完成并报告")
    assert "请于月底前完成并报告" in staff_client.get(item.get_absolute_url()).content.decode()
    assert "请于月底前完成并报告" in staff_client.get(reverse("home")).content.decode()


FOLLOW = {"anonymous": "login", "other": 404, "lead": 403, "coop": 403, "leader": 302, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_follow_permissions(clients, item, role):
    response = clients[role].post(reverse("tracker:item_follow", args=[item.pk]), {"follow": "1"})
    assert_status(response, FOLLOW[role])
    assert Follow.objects.exists() == (FOLLOW[role] == 302)


def test_followed_items_show_on_the_leaders_dashboard(leader_client, item):
    leader_client.post(reverse("tracker:item_follow", args=[item.pk]), {"follow": "1"})
    page = leader_client.get(reverse("home")).content.decode()
    assert "我关注的事项" in page and "全面推行法律风险防控制度" in page
    leader_client.post(reverse("tracker:item_follow", args=[item.pk]), {"follow": "0"})
    assert not Follow.objects.exists()


def test_leaders_change_nothing_else(leader_client, item):
    for url, data in [
        (item.get_absolute_url(), {"note": "x", "version": 1}),
        (reverse("tracker:item_assign", args=[item.pk]), {"version": 1}),
        (reverse("tracker:item_review", args=[item.pk]), {"decision": "approve"}),
    ]:
        assert leader_client.post(url, data).status_code == 403


# -- an instruction as a small case: replies (反馈) and handling (办结) --------------------------


@pytest.fixture
def instruction(item, leader_client):
    return instruction_add(item=item, user=leader_client.user, text="请于月底前完成并报告")


def reply_url(instruction):
    return reverse("tracker:instruction_reply", args=[instruction.pk])


def handle_url(instruction):
    return reverse("tracker:instruction_handle", args=[instruction.pk])


def reply_data(instruction, note="已召开专题会议部署落实", files=()):
    prefix = f"reply-{instruction.pk}"
    return {f"{prefix}-note": note, **({f"{prefix}-files": list(files)} if files else {})}


REPLY = {"anonymous": "login", "other": 404, "lead": 302, "coop": 403, "leader": 403, "reviewer": 403}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_lead_units_staff_reply_to_an_instruction(clients, instruction, role):
    response = clients[role].post(reply_url(instruction), reply_data(instruction))
    assert_status(response, REPLY[role])
    replies = ProgressUpdate.objects.filter(instruction=instruction, kind="reply")
    assert replies.exists() == (REPLY[role] == 302)


HANDLE = {"anonymous": "login", "other": 404, "lead": 403, "coop": 403, "leader": 302, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_the_leader_who_gave_it_or_a_reviewer_marks_an_instruction_handled(clients, instruction, role):
    response = clients[role].post(handle_url(instruction))
    assert_status(response, HANDLE[role])
    instruction.refresh_from_db()
    assert instruction.is_handled == (HANDLE[role] == 302)
    if HANDLE[role] == 302:
        assert instruction.handled_by == clients[role].user


def test_another_leader_does_not_mark_someone_elses_instruction_handled(instruction):
    from django.test import Client

    other = Client()
    other.force_login(LeaderFactory(username="leader2"))
    assert other.post(handle_url(instruction)).status_code == 403
    page = other.get(instruction.item.get_absolute_url()).content.decode()
    assert handle_url(instruction) not in page
    instruction.refresh_from_db()
    assert not instruction.is_handled


def test_a_reply_with_files_is_on_the_item_under_its_instruction_and_in_its_history(
    staff_client, leader_client, instruction, pdf
):
    response = staff_client.post(
        reply_url(instruction), reply_data(instruction, files=[pdf("落实情况.pdf")]), follow=True
    )
    assert response.status_code == 200
    reply = ProgressUpdate.objects.get(instruction=instruction)
    assert (reply.kind, reply.note, reply.author) == ("reply", "已召开专题会议部署落实", staff_client.user)
    evidence = Evidence.objects.get()
    assert (evidence.update, evidence.item, evidence.original_name) == (
        reply,
        instruction.item,
        "落实情况.pdf",
    )
    page = leader_client.get(instruction.item.get_absolute_url()).content.decode()
    entry = page[page.index(f'id="instruction-{instruction.pk}"') :]
    entry = entry[: entry.index('<div class="col-lg-5">')]
    assert "已召开专题会议部署落实" in entry and "落实情况.pdf" in entry
    assert reverse("tracker:evidence_view", args=[evidence.pk]) in entry
    assert "未办结" in entry and handle_url(instruction) in entry
    # Shown once, within the instruction, not again as an entry of its own.
    assert page.count("已召开专题会议部署落实") == 1


def test_a_reply_without_a_note_or_with_a_bad_file_is_refused_with_a_message_and_writes_nothing(
    staff_client, instruction, pdf
):
    empty = staff_client.post(reply_url(instruction), reply_data(instruction, note="  "))
    assert empty.status_code == 400
    assert "写明对批示的落实情况" in empty.content.decode()
    fake = pdf("假文件.pdf", content=b"<html>not a pdf</html>")
    bad = staff_client.post(reply_url(instruction), reply_data(instruction, note="见附件", files=[fake]))
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "假文件.pdf" in page and "见附件" in page  # the message, and the note kept
    assert not ProgressUpdate.objects.filter(instruction=instruction).exists()
    assert not Evidence.objects.exists()


def test_handling_is_recorded_in_the_history_and_ends_the_replies(
    staff_client, leader_client, reviewer_client, instruction
):
    assert leader_client.post(handle_url(instruction)).status_code == 302
    instruction.refresh_from_db()
    entry = ProgressUpdate.objects.get(instruction=instruction)
    assert (entry.kind, entry.author) == ("handled", leader_client.user)
    assert "请于月底前完成并报告" in entry.text
    page = staff_client.get(instruction.item.get_absolute_url()).content.decode()
    assert "已办结" in page and reply_url(instruction) not in page
    # A page opened before: the reply is refused as a conflict, the second handling too.
    late = staff_client.post(reply_url(instruction), reply_data(instruction))
    assert late.status_code == 409 and "已办结" in late.content.decode()
    again = reviewer_client.post(handle_url(instruction))
    assert again.status_code == 409 and "已办结" in again.content.decode()
    assert ProgressUpdate.objects.filter(instruction=instruction).count() == 1
    instruction.refresh_from_db()
    assert instruction.handled_by == leader_client.user


def test_an_instruction_of_a_closed_year_takes_no_reply_nor_handling(
    staff_client, leader_client, instruction
):
    report = instruction.item.report
    report.state = "closed"
    report.save()
    for client, url, data in [
        (staff_client, reply_url(instruction), reply_data(instruction)),
        (leader_client, handle_url(instruction), {}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400 and "2020 年度已关闭" in response.content.decode()
    assert not ProgressUpdate.objects.filter(instruction=instruction).exists()
    page = staff_client.get(instruction.item.get_absolute_url()).content.decode()
    assert reply_url(instruction) not in page


def test_the_units_home_lists_open_instructions_awaiting_its_reply(staff_client, leader_client, instruction):
    home = staff_client.get(reverse("home")).content.decode()
    assert "请于月底前完成并报告" in home and "待你单位反馈" in home
    staff_client.post(reply_url(instruction), reply_data(instruction))
    home = staff_client.get(reverse("home")).content.decode()
    assert "请于月底前完成并报告" in home and "待你单位反馈" not in home and "已反馈" in home
    leader_client.post(handle_url(instruction))
    assert "请于月底前完成并报告" not in staff_client.get(reverse("home")).content.decode()


def _given(item, leader, text, days_ago):
    from datetime import timedelta

    from django.utils import timezone

    instruction = instruction_add(item=item, user=leader, text=text)
    Instruction.objects.filter(pk=instruction.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return instruction


def test_the_leaders_dashboard_lists_open_instructions_oldest_first_with_unit_and_age(
    leader_client, reviewer_client, item, lead_unit
):
    from tests.factories import ItemFactory

    other = ItemFactory(report=item.report, title="规范行政执法行为", lead_unit=None)
    newer = _given(other, leader_client.user, "请抓紧研究", days_ago=3)
    older = _given(item, leader_client.user, "请于月底前完成并报告", days_ago=12)
    handled = _given(item, leader_client.user, "已经办结的批示", days_ago=30)
    reviewer_client.post(handle_url(handled))
    page = leader_client.get(reverse("home")).content.decode()
    card = page[page.index("open-instructions") :]
    card = card[: card.index("</table>")]
    assert "未办结的批示" in page and 'data-kpi="open-instructions">2<' in card
    assert card.index("请于月底前完成并报告") < card.index("请抓紧研究")  # oldest first
    assert "已经办结的批示" not in card
    assert f'href="{item.get_absolute_url()}#instruction-{older.pk}"' in card
    assert f'href="{other.get_absolute_url()}#instruction-{newer.pk}"' in card
    assert lead_unit.name in card
    assert 'data-age="12">12天<' in card and 'data-age="3">3天<' in card


def test_the_dashboards_open_instructions_cost_the_same_queries_for_3_and_30(
    leader_client, item, django_assert_max_num_queries
):
    from tests.factories import ItemFactory, UnitFactory

    def grow(n):
        for _ in range(n):
            unit = UnitFactory()
            instruction_add(
                item=ItemFactory(report=item.report, lead_unit=unit), user=leader_client.user, text="抓紧落实"
            )

    grow(3)
    with django_assert_max_num_queries(40) as first:
        assert leader_client.get(reverse("home")).status_code == 200
    grow(27)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = leader_client.get(reverse("home")).content.decode()
    assert 'data-kpi="open-instructions">30<' in page and "共30条，显示最早的10条。" in page
    # The rest are reached through their items: the link opens the list on exactly those.
    link = page[page.index("data-open-instructions") - 120 : page.index("data-open-instructions")]
    href = link[link.index('href="') + 6 :].split('"')[0].replace("&amp;", "&")
    listed = leader_client.get(href)
    assert listed.context["total"] == 30


def test_a_reply_or_handling_from_a_page_opened_before_the_handling_is_a_conflict_and_writes_nothing(
    staff_client, leader_client, reviewer_client, instruction, pdf
):
    """Both read the instruction open; the handling commits first (as another request would)."""
    from tracker.services import Conflict, instruction_handle, instruction_reply

    seen_by_staff = Instruction.objects.select_related("item__report").get(pk=instruction.pk)
    seen_by_reviewer = Instruction.objects.select_related("item__report").get(pk=instruction.pk)
    instruction_handle(instruction=instruction, user=leader_client.user)
    with pytest.raises(Conflict, match="already been marked handled"):
        instruction_reply(instruction=seen_by_staff, user=staff_client.user, note="迟到的反馈", files=[pdf()])
    with pytest.raises(Conflict, match="already been marked handled"):
        instruction_handle(instruction=seen_by_reviewer, user=reviewer_client.user)
    assert list(ProgressUpdate.objects.filter(instruction=instruction).values_list("kind", flat=True)) == [
        "handled"
    ]
    assert not Evidence.objects.exists()
    instruction.refresh_from_db()
    assert instruction.handled_by == leader_client.user
