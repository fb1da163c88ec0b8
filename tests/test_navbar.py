"""The menu bar as the server draws it: where it collapses, what the user's menu holds, and that
it draws on a page no URL matched (the error pages extend base.html). The browser test of the
layout (tests/browser/test_layout.py) checks what the bar looks like at each width."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.factories import ReviewerFactory

pytestmark = pytest.mark.django_db


def navbar_class(client) -> str:
    return re.search(r'<nav class="navbar ([^"]+)"', client.get("/").content.decode()).group(1)


def user_menu(client, path="/") -> str:
    content = client.get(path).content.decode()
    return content[content.index('id="user-menu"') : content.index("</nav>")]


def test_the_chinese_bar_is_whole_from_992_px_for_every_role(staff_client, reviewer_client, leader_client):
    for client in (staff_client, reviewer_client, leader_client):
        assert "navbar-expand-lg" in navbar_class(client)


def test_the_english_bar_collapses_later_for_a_reviewer_whose_menu_is_longer(
    staff_client, reviewer_client, leader_client
):
    for client in (staff_client, reviewer_client, leader_client):
        client.cookies["django_language"] = "en"
    assert "navbar-expand-xl" in navbar_class(staff_client)
    assert "navbar-expand-xl" in navbar_class(leader_client)
    assert "navbar-expand-xxl" in navbar_class(reviewer_client)


def test_the_users_menu_holds_password_language_and_log_out(staff_client):
    menu = user_menu(staff_client)
    assert 'href="/accounts/password_change/">修改密码</a>' in menu
    assert 'value="zh-hans"' in menu and 'value="en"' in menu
    assert ">退出</button>" in menu
    assert "/admin/" not in menu


def test_administration_is_in_the_menu_of_a_user_who_may_enter_it(client):
    client.force_login(ReviewerFactory(is_staff=True))
    assert 'href="/admin/">系统管理</a>' in user_menu(client)


def test_the_current_page_is_marked_in_the_bar(reviewer_client):
    content = reviewer_client.get("/review/").content.decode()
    assert 'class="nav-link active" aria-current="page" href="/review/"' in content
    assert content.count('aria-current="page"') == 1


def test_the_bar_draws_on_a_page_no_url_matched(db):
    """A 404 for an unknown path has no resolver match: the bar must not trip over it."""
    request = RequestFactory().get("/no-such-page/")
    request.resolver_match = None
    request.user = ReviewerFactory(is_staff=True)
    html = render_to_string("base.html", request=request)
    assert 'id="main-menu"' in html and 'class="nav-link active"' not in html
