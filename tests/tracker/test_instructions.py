"""Leaders' instructions (批示) and follows (关注); leaders change nothing else."""

import pytest
from django.urls import reverse

from tests.tracker.steering import ROLES, assert_status
from tracker.models import Follow, Instruction
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
