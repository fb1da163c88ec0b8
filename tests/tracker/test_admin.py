"""The Django admin works for every model: changelists, add pages, search, inlines."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import (
    ItemFactory,
    MetricFactory,
    ProgressUpdateFactory,
    SectionFactory,
    UnitFactory,
    UnitRatingFactory,
)
from tracker.models import Area

pytestmark = pytest.mark.django_db


def registered_models():
    return [
        model for model in admin.site._registry if model._meta.app_label in {"tracker", "reports", "auth"}
    ]


def test_every_admin_changelist_answers_200_for_a_superuser(superuser_client):
    ItemFactory()
    ProgressUpdateFactory()
    for model in registered_models():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        # The search box works too.
        if admin.site._registry[model].search_fields:
            assert superuser_client.get(url, {"q": "县"}).status_code == 200, url


def test_every_admin_add_page_answers_200_unless_rows_are_written_by_the_app(superuser_client, rf):
    read_only = {
        "progressupdate",
        "evidence",
        "review",
        "extensionrequest",
        "instruction",
        "reminderlog",
        "accessrefusal",
        "push",
        "escalation",
    }
    for model in registered_models():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        expected = 403 if opts.model_name in read_only else 200
        assert superuser_client.get(url).status_code == expected, url


def test_report_change_page_shows_sections_and_items_inline(superuser_client):
    section = SectionFactory(heading="依法全面履行政府职能")
    ItemFactory(report=section.report, section=section, title="全面推进行政审批制度改革")
    response = superuser_client.get(reverse("admin:reports_annualreport_change", args=[section.report.pk]))
    content = response.content.decode()
    assert "依法全面履行政府职能" in content
    assert "全面推进行政审批制度改革" in content


def test_item_change_page_shows_metrics_inline_and_progress_read_only(superuser_client):
    item = ItemFactory()
    MetricFactory(item=item, label="政务服务事项", value=1202)
    ProgressUpdateFactory(item=item, note="已完成第一批对接")
    response = superuser_client.get(reverse("admin:tracker_item_change", args=[item.pk]))
    content = response.content.decode()
    assert 'value="政务服务事项"' in content
    assert "已完成第一批对接" in content
    assert 'name="updates-0-note"' not in content  # shown, not editable


def test_admin_item_form_refuses_lead_unit_as_cooperating_unit(superuser_client):
    item = ItemFactory()
    other = UnitFactory()
    url = reverse("admin:tracker_item_change", args=[item.pk])
    data = {
        "report": item.report.pk,
        "kind": "task",
        "title": item.title,
        "text": item.text,
        "order": 0,
        "lead_unit": item.lead_unit.pk,
        "cooperating_units": [item.lead_unit.pk, other.pk],
        "expected_version": item.version,
        "metrics-TOTAL_FORMS": 0,
        "metrics-INITIAL_FORMS": 0,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 200
    assert "不能同时作为配合单位" in response.content.decode()
    assert item.cooperating_units.count() == 0


def test_unit_autocomplete_finds_units_by_alias(superuser_client):
    UnitFactory(name="县卫生健康委员会", short_name="卫健委", aliases="县卫健委")
    url = reverse("admin:autocomplete")
    response = superuser_client.get(
        url, {"term": "卫健委", "app_label": "tracker", "model_name": "item", "field_name": "lead_unit"}
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["县卫生健康委员会"]


def test_staff_cannot_open_the_admin(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_the_login_logs_are_named_in_chinese_in_the_admin(client):
    """django-axes has no Chinese catalogue: its names showed in English on the admin's index,
    to the reviewers who read the login logs there."""
    from axes.models import AccessFailureLog

    from tests.factories import ReviewerFactory

    client.force_login(ReviewerFactory(is_staff=True))
    AccessFailureLog.objects.create(username="staff1", ip_address="10.1.1.1", user_agent="t", path_info="/")
    index = client.get(reverse("admin:index")).content.decode()
    for name in ("登录保护", "登录失败计数", "登录失败记录", "登录记录"):
        assert name in index, name
    assert "Access attempts" not in index and "Access failures" not in index
    page = client.get(reverse("admin:axes_accessfailurelog_changelist")).content.decode()
    assert "IP 地址" in page and "浏览器标识" in page and "IP Address" not in page


@pytest.mark.parametrize(
    "path, make",
    [
        (
            "/admin/tracker/item/",
            lambda n: ItemFactory.create_batch(n, lead_unit=UnitFactory(), area=Area.objects.first()),
        ),
        ("/admin/reports/unitrating/", lambda n: [UnitRatingFactory() for _ in range(n)]),
    ],
    ids=["items", "ratings"],
)
def test_admin_changelists_make_as_many_queries_for_twenty_rows_as_for_two(superuser_client, path, make):
    """Each row's year, area and units come with the page's query, not one query a row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for rows in (2, 18):
        make(rows)
        with CaptureQueriesContext(connection) as queries:
            assert superuser_client.get(path).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
