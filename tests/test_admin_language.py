"""The admin speaks Chinese by default: every section (app) and model name, the index's table,
the column headers of every list; and an English reader gets the same pages in English."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _latin(text: str) -> bool:
    """English: Latin words and no Chinese (浏览器标识（User Agent）, IP 地址 are Chinese)."""
    return bool(LATIN_WORD.search(text)) and not CHINESE.search(text)


def test_every_admin_section_and_model_is_named_in_chinese():
    english = {}
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            opts = model._meta
            for name in (
                apps.get_app_config(opts.app_label).verbose_name,
                opts.verbose_name,
                opts.verbose_name_plural,
            ):
                if _latin(str(name)):
                    english[opts.label] = str(name)
    assert not english, english


@pytest.fixture
def administrator(client):
    client.force_login(UserFactory(username="root", first_name="管理员", is_staff=True, is_superuser=True))
    return client


def test_the_admin_index_shows_no_english_section_or_model_name(administrator):
    page = administrator.get(reverse("admin:index")).content.decode()
    for words in (
        "Authentication and Authorization",
        "Axes",
        "Access attempts",
        "Access logs",
        "Access failures",
        "Model name",
        "Add link",
        "Change or view list link",
    ):
        assert words not in page, words
    captions = re.findall(r"<caption>\s*<a [^>]*>(.*?)</a>", page)
    rows = re.findall(r'<th scope="row" id="[^"]*">\s*<a [^>]*>(.*?)</a>', page)
    assert len(captions) >= 4 and len(rows) >= 20
    assert not {text for text in captions + rows if _latin(text)}


def test_every_admin_lists_column_headers_are_chinese(administrator):
    headers = {}
    for model in admin.site._registry:
        opts = model._meta
        page = administrator.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert page.status_code == 200
        for text in re.findall(
            r'<th scope="col"[^>]*>.*?<(?:a|span)[^>]*>([^<]+)</', page.content.decode(), re.S
        ):
            if _latin(text):
                headers.setdefault(opts.label, []).append(text.strip())
    assert not headers, headers


def test_the_admin_index_reads_in_english_for_an_english_reader(administrator):
    from django.conf import settings

    administrator.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = administrator.get(reverse("admin:index")).content.decode()
    assert (
        "Login protection" in page and "Annual reports" in page and "Authentication and Authorization" in page
    )
    assert "登录保护" not in page
