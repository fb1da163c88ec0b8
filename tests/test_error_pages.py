"""Error pages in production mode: each in the site's layout, saying in the reader's language
what happened and why, with a way back (the home page; the previous page where the browser has
one; logging in again where that helps). The 500 page needs no database."""

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


def _english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page(response, status):
    assert response.status_code == status
    content = response.content.decode()
    assert 'data-testid="error-page"' in content
    assert f'href="{reverse("home")}" data-testid="home"' in content
    return content


def test_404_says_the_page_is_not_there_with_the_menu_and_a_way_home(staff_client):
    content = _page(staff_client.get("/items/999999/"), 404)
    assert "页面不存在" in content and "属于其他单位" in content
    assert "台账事项" in content  # the menu of a logged-in person
    assert "data-history-back" in content  # back to the previous page (ledger.js)
    english = _page(_english(staff_client).get("/items/999999/"), 404)
    assert "Page not found" in english and "页面不存在" not in english


def test_403_says_the_role_may_not_and_offers_to_log_in_as_someone_else(staff_client):
    content = _page(staff_client.get(reverse("tracker:review")), 403)
    assert "您的账号无权" in content
    assert 'data-testid="login-again"' in content and f'action="{reverse("logout")}"' in content
    english = _page(_english(staff_client).get(reverse("tracker:review")), 403)
    assert "You may not do this" in english


def test_403_shows_the_reason_a_refusal_gives(staff_client, item, monkeypatch):
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext

    def refuse(user, pk):
        raise PermissionDenied(
            gettext("You submitted this item yourself; another reviewer must decide on it.")
        )

    monkeypatch.setattr("tracker.views._item_or_404", refuse)
    content = _page(staff_client.get(reverse("tracker:item", args=[item.pk])), 403)
    assert "此事项由您本人报送，须由其他审核人审核。" in content


def test_400_for_an_address_that_is_not_this_sites(staff_client):
    content = _page(staff_client.get("/", HTTP_HOST="elsewhere.example"), 400)
    assert "请求无法处理" in content
    english = _page(_english(staff_client).get("/", HTTP_HOST="elsewhere.example"), 400)
    assert "The request could not be handled" in english


def test_405_for_a_post_only_address_opened_as_a_link(staff_client, item):
    response = staff_client.get(reverse("tracker:item_submit", args=[item.pk]))
    content = _page(response, 405)
    assert response["Allow"] == "POST"
    assert "只有在其页面上按按钮" in content and "台账事项" in content
    english = _page(_english(staff_client).get(reverse("tracker:item_submit", args=[item.pk])), 405)
    assert "This address is not opened this way" in english


def test_csrf_failure_says_the_form_expired_in_the_layout_and_offers_login(item):
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffFactory(username="csrf-staff", first_name="王经办"))
    response = client.post(reverse("tracker:item_follow", args=[item.pk]), {"follow": "1"})
    content = _page(response, 403)
    assert "未保存：表单已过期" in content and "王经办" in content
    assert f'href="{reverse("login")}" data-testid="login-again"' in content
    english = _page(_english(client).post(reverse("tracker:item_follow", args=[item.pk])), 403)
    assert "the form had expired" in english


def test_too_many_failed_logins_answer_429_in_the_layout():
    client = Client(REMOTE_ADDR="10.9.9.9")
    StaffFactory(username="locked-staff")
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "locked-staff", "password": "wrong-password"})
    content = _page(response, 429)
    assert "登录失败次数过多" in content
    assert f'href="{reverse("login")}" data-testid="login-again"' in content


def _database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", refuse)


@pytest.mark.parametrize("language, words", [("zh-hans", "服务器出错"), ("en", "Server error")])
def test_500_page_is_drawn_without_the_database(staff_client, monkeypatch, language, words):
    client = Client(raise_request_exception=False)
    client.cookies = staff_client.cookies
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    _database_down(monkeypatch)
    response = client.get(reverse("home"))
    content = _page(response, 500)
    assert words in content
    title = "法治政府建设台账" if language == "zh-hans" else "Rule-of-law government ledger"
    assert f"<title>{words}" in content and title in content
    monkeypatch.undo()
