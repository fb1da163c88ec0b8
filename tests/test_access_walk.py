"""Access control proven for every URL: the URLconf is walked (admin excepted) and each route
requested with GET as each of the six people of the permission table; the answer must be
the one in ACCESS. A new route without an entry here fails the test.

login = redirect to the login page; 405 = the route takes POST only (its POST permissions are
tested per view in tests/tracker/test_steering.py and test_item_views.py).
"""

import pytest
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory
from tests.urlwalk import project_routes
from tracker.services import extension_request, item_add_progress

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other", "lead", "coop", "leader", "reviewer"]
ALL_IN = {"anonymous": "login", "other": 200, "lead": 200, "coop": 200, "leader": 200, "reviewer": 200}
POST_ONLY = {"anonymous": "login", "other": 405, "lead": 405, "coop": 405, "leader": 405, "reviewer": 405}
REVIEWERS = {"anonymous": "login", "other": 403, "lead": 403, "coop": 403, "leader": 403, "reviewer": 200}
# An object of another unit is 404, not 403: its existence does not leak.
SEEN_BY_ITS_UNITS = {
    "anonymous": "login",
    "other": 404,
    "lead": 200,
    "coop": 200,
    "leader": 200,
    "reviewer": 200,
}

# route name → (path with the fixture's objects, expected answer per role)
ACCESS = {
    "home": ("/", ALL_IN),
    "tracker:healthz": ("/healthz", dict.fromkeys(ROLES, 200)),
    "tracker:items": ("/items/", ALL_IN),
    "tracker:bulk_assign": ("/items/assign/", POST_ONLY),
    "tracker:item": ("/items/{item}/", SEEN_BY_ITS_UNITS),
    "tracker:item_review": ("/items/{item}/review/", POST_ONLY),
    "tracker:item_extension": ("/items/{item}/extension/", POST_ONLY),
    "tracker:item_assign": ("/items/{item}/assign/", POST_ONLY),
    "tracker:item_instruction": ("/items/{item}/instruction/", POST_ONLY),
    "tracker:item_follow": ("/items/{item}/follow/", POST_ONLY),
    "tracker:extension_decide": ("/extensions/{extension}/decide/", POST_ONLY),
    "tracker:review": ("/review/", REVIEWERS),
    "tracker:scoreboard": ("/units/", ALL_IN),
    "tracker:ratings": ("/units/ratings/", POST_ONLY),
    "tracker:evidence": ("/evidence/{evidence}/", SEEN_BY_ITS_UNITS),
    "reports:list": ("/reports/", ALL_IN),
    "reports:import": ("/reports/import/", REVIEWERS),
    # No import waiting: the reviewer is sent back to the upload step.
    "reports:import_preview": ("/reports/import/preview/", {**REVIEWERS, "reviewer": 302}),
    "reports:import_confirm": ("/reports/import/confirm/", POST_ONLY),
    "reports:import_cancel": ("/reports/import/cancel/", POST_ONLY),
    "reports:detail": ("/reports/2020/", ALL_IN),
    "reports:rollover": ("/reports/2020/rollover/", REVIEWERS),
    "reports:close": ("/reports/2020/close/", POST_ONLY),
    "reports:export": ("/reports/2020/export/xlsx/", ALL_IN),
    # A logged-in person is sent on from the login page.
    "login": ("/accounts/login/", {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}),
    "logout": ("/accounts/logout/", POST_ONLY),
    "password_change": ("/accounts/password_change/", ALL_IN),
    "password_change_done": ("/accounts/password_change/done/", ALL_IN),
    "set_language": ("/i18n/setlang/", dict.fromkeys(ROLES, 302)),
}


@pytest.fixture
def objects(item, staff_client, pdf):
    update = item_add_progress(
        item=item, user=staff_client.user, note="附件", files=[pdf()], expected_version=1
    )
    item.refresh_from_db()
    from datetime import timedelta

    from django.utils import timezone

    extension = extension_request(
        item=item,
        user=staff_client.user,
        new_due_on=timezone.localdate() + timedelta(days=30),
        reason="等文件",
    )
    return {"item": item.pk, "evidence": update.evidence.get().pk, "extension": extension.pk}


def test_every_route_has_an_entry():
    missing = [name for name, _route in project_routes() if name not in ACCESS]
    assert not missing, f"add these routes to ACCESS: {missing}"


def test_every_route_answers_each_role_as_the_table_says(clients, objects):
    AnnualReportFactory(year=2020)  # the item's year (the fixture made it)
    ItemFactory(report=AnnualReportFactory(year=2020))  # an item of another unit, for the lists
    walked = 0
    for name, _route in project_routes():
        path, expected = ACCESS[name]
        path = path.format(**objects)
        for role in ROLES:
            response = clients[role].get(path)
            want = expected[role]
            if want == "login":
                assert response.status_code == 302 and response.url.startswith(reverse("login")), (name, role)
            else:
                assert response.status_code == want, (name, role, response.status_code)
            walked += 1
    assert walked == len(ACCESS) * len(ROLES)


# The answer to an empty POST (a form with nothing filled in), per route and person.
# 405: the route does not take POST. For people allowed to act, an empty form gives its errors
# (200 / 400), or the action's redirect where every field may be empty.
P = "login"
POST_ACCESS = {
    "home": [P, 405, 405, 405, 405, 405],
    "tracker:healthz": [405] * 6,
    "tracker:items": [P, 405, 405, 405, 405, 405],
    "tracker:item": [P, 404, 200, 200, 403, 200],
    "tracker:bulk_assign": [P, 403, 403, 403, 403, 302],
    "tracker:item_review": [P, 404, 403, 403, 403, 400],
    "tracker:item_extension": [P, 404, 400, 403, 403, 400],
    "tracker:item_assign": [P, 404, 403, 403, 403, 302],
    "tracker:item_instruction": [P, 404, 403, 403, 400, 403],
    "tracker:item_follow": [P, 404, 403, 403, 302, 302],
    "tracker:extension_decide": [P, 404, 403, 403, 403, 400],
    "tracker:review": [P, 405, 405, 405, 405, 405],
    "tracker:scoreboard": [P, 405, 405, 405, 405, 405],
    "tracker:ratings": [P, 403, 403, 403, 403, 404],
    "tracker:evidence": [P, 405, 405, 405, 405, 405],
    "reports:list": [P, 405, 405, 405, 405, 405],
    "reports:import": [P, 403, 403, 403, 403, 200],
    "reports:import_preview": [P, 405, 405, 405, 405, 405],
    "reports:import_confirm": [P, 403, 403, 403, 403, 404],
    "reports:import_cancel": [P, 403, 403, 403, 403, 302],
    "reports:detail": [P, 405, 405, 405, 405, 405],
    "reports:rollover": [P, 403, 403, 403, 403, 302],
    "reports:close": [P, 403, 403, 403, 403, 302],
    "reports:export": [P, 405, 405, 405, 405, 405],
    "login": [200, 302, 302, 302, 302, 302],
    "logout": [P] * 6,
    "password_change": [P, 200, 200, 200, 200, 200],
    "password_change_done": [P, 405, 405, 405, 405, 405],
    "set_language": [302] * 6,
}


def test_every_route_has_a_post_entry():
    assert sorted(POST_ACCESS) == sorted(name for name, _route in project_routes())


@pytest.mark.parametrize("name", sorted(POST_ACCESS))
def test_every_route_answers_a_post_from_each_role_as_the_table_says(clients, objects, name):
    AnnualReportFactory(year=2020)
    path = ACCESS[name][0].format(**objects)
    for role, want in zip(ROLES, POST_ACCESS[name], strict=True):
        response = clients[role].post(path, {})
        if want == P:
            assert response.status_code == 302 and response.url.startswith(reverse("login")), (name, role)
        else:
            assert response.status_code == want, (name, role, response.status_code)
