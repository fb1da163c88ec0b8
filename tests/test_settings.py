"""Production mode: safe by default, refuses to start without a secret key."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import ItemFactory
from tracker.models import Item

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_silently_in_production_mode(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SECRET_KEY": "k3Jx9!vQ2#mZp8@Lw5^Rt7&Yb1*Nc4(Hd6)Fg0-Sa+Ue=Oi_Ty~Pl",
            "DJANGO_ALLOWED_HOSTS": "fazhi.example.gov.cn",
            "DJANGO_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_without_secret_key_refuses_to_start(tmp_path):
    result = run_manage("check", "--deploy", env_overrides={"DJANGO_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi"])
def test_the_application_servers_refuse_to_start_without_a_secret_key(tmp_path, entry_point):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_VAR_DIR=str(tmp_path), DJANGO_ALLOWED_HOSTS="localhost")
    result = subprocess.run(
        [sys.executable, "-c", f"import {entry_point}"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_commands_that_sign_nothing_run_in_production_mode_without_a_secret_key(tmp_path):
    """makemigrations once ended in "Models aren't loaded yet": Django's command runner
    swallowed the settings' refusal and never set the apps up."""
    result = run_manage(
        "makemigrations", "--check", "--dry-run", env_overrides={"DJANGO_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_load_demo_refuses_production_mode_unless_forced(tmp_path):
    env = {
        "DJANGO_SECRET_KEY": "k3Jx9!vQ2#mZp8@Lw5^Rt7&Yb1*Nc4(Hd6)Fg0-Sa+Ue=Oi_Ty~Pl",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_VAR_DIR": str(tmp_path),
    }
    result = run_manage("load_demo", env_overrides=env)
    assert result.returncode != 0
    assert "--force" in result.stderr


def test_eight_people_saving_at_once_on_sqlite_get_no_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(
        {"DJANGO_DEBUG": "1", "DJANGO_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    )
    result = subprocess.run(
        [sys.executable, "tests/sqlite_writers.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # Every save answered 302 (no 500, no "database is locked"), and all 80 were kept.
    assert outcome == {"errors": [], "answers": {"302": 80}, "updates": 80, "journal_mode": "wal"}


def test_pages_carry_a_content_security_policy_without_inline_script(client, db):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self';" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.content.decode()


def test_two_idle_hours_log_the_user_out_and_say_why(staff_client):
    import time

    from django.urls import reverse

    assert staff_client.get(reverse("tracker:items")).status_code == 200
    session = staff_client.session
    session["last_seen"] = int(time.time()) - 3600  # one hour: still in
    session.save()
    assert staff_client.get(reverse("tracker:items")).status_code == 200
    session = staff_client.session
    session["last_seen"] = int(time.time()) - 2 * 3600 - 5
    session.save()
    response = staff_client.get(reverse("tracker:items"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "两小时" in response.content.decode()


def test_five_failed_logins_lock_that_user_on_that_address_only(db):
    from django.test import Client

    from tests.factories import StaffFactory

    StaffFactory(username="staff1")  # password correct-horse-battery
    StaffFactory(username="staff2")
    office = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(5):
        response = office.post("/accounts/login/", {"username": "staff1", "password": "wrong-password"})
    assert response.status_code == 429 and "锁定15分钟" in response.content.decode()
    # Now even the right password is refused for staff1 from this address ...
    locked = office.post("/accounts/login/", {"username": "staff1", "password": "correct-horse-battery"})
    assert locked.status_code == 429
    # ... but a colleague behind the same NAT address still logs in,
    colleague = Client(REMOTE_ADDR="10.1.1.1")
    assert (
        colleague.post(
            "/accounts/login/", {"username": "staff2", "password": "correct-horse-battery"}
        ).status_code
        == 302
    )
    # and so does staff1 from another address.
    elsewhere = Client(REMOTE_ADDR="10.2.2.2")
    assert (
        elsewhere.post(
            "/accounts/login/", {"username": "staff1", "password": "correct-horse-battery"}
        ).status_code
        == 302
    )
    # Logins and failed logins are kept for the admin (django-axes' logs).
    from axes.models import AccessFailureLog, AccessLog

    assert AccessFailureLog.objects.filter(username="staff1", ip_address="10.1.1.1").count() >= 5
    assert set(AccessLog.objects.values_list("username", flat=True)) >= {"staff1", "staff2"}


def test_an_administrator_lifts_a_lockout_in_the_admin_as_the_lockout_page_says(db, superuser_client):
    from axes.models import AccessAttempt
    from django.test import Client

    from tests.factories import StaffFactory

    StaffFactory(username="staff1")
    office = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(5):
        response = office.post("/accounts/login/", {"username": "staff1", "password": "wrong-password"})
    assert "请联系系统管理员重置密码并解除锁定" in response.content.decode()
    attempt = AccessAttempt.objects.get(username="staff1")
    url = f"/admin/axes/accessattempt/{attempt.pk}/delete/"
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    login = office.post("/accounts/login/", {"username": "staff1", "password": "correct-horse-battery"})
    assert login.status_code == 302


def test_refused_requests_are_logged_for_the_admin(other_staff_client, item, superuser_client):
    from tracker.models import AccessRefusal

    assert other_staff_client.get(item.get_absolute_url()).status_code == 404
    assert other_staff_client.get("/review/").status_code == 403
    rows = list(AccessRefusal.objects.order_by("pk").values_list("user__username", "path", "status"))
    assert rows == [("staff2", item.get_absolute_url(), 404), ("staff2", "/review/", 403)]
    page = superuser_client.get("/admin/tracker/accessrefusal/").content.decode()
    assert "/review/" in page


def test_reviewers_may_read_the_access_logs(db):
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name="审核人").permissions.values_list("codename", flat=True))
    assert {
        "view_accessrefusal",
        "view_accessattempt",
        "view_accesslog",
        "view_accessfailurelog",
    } <= codenames


def test_the_session_key_changes_at_login(db):
    from django.test import Client

    from tests.factories import StaffFactory

    StaffFactory(username="staff1")
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    assert (
        client.post(
            "/accounts/login/", {"username": "staff1", "password": "correct-horse-battery"}
        ).status_code
        == 302
    )
    assert client.session.session_key and client.session.session_key != before


def _database_options(env_overrides):
    code = "import json; from django.conf import settings; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    result = run_manage("shell", "-c", code, env_overrides={"DJANGO_DEBUG": "1", **env_overrides})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_prepares_repeated_queries_unless_a_pooler_forbids_it(tmp_path):
    url = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused", "DJANGO_VAR_DIR": str(tmp_path)}
    options = _database_options(url)
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5
    options = _database_options({**url, "DJANGO_PG_SERVER_SIDE_BINDING": "0"})
    assert "server_side_binding" not in options and "prepare_threshold" not in options


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL only")
def test_a_query_run_again_is_prepared_on_postgresql(db):
    items = ItemFactory.create_batch(6)
    for item in items:  # psycopg prepares a statement from its fifth run on a connection
        Item.objects.select_related("report").get(pk=item.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('FROM "tracker_item" INNER JOIN "reports_annualreport"' in s for s in statements), statements


def test_the_wsgi_application_freezes_what_it_loaded_out_of_full_gc_passes(tmp_path):
    code = "import gc, config.wsgi; print(gc.get_freeze_count())"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update({"DJANGO_DEBUG": "1", "DJANGO_VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 10_000


# -- the client's address behind proxies (django-ipware, as django-axes asks it) --------------

ADDRESS_OF = """
import json
from django.conf import settings
from django.test import RequestFactory
from axes.helpers import get_client_ip_address
headers = [None, "203.0.113.5", "6.6.6.6, 203.0.113.5", "1.1.1.1, 2.2.2.2, 10.1.1.7", '", 10.1.1.7']
factory = RequestFactory()
answers = []
for header in headers:
    extra = {"REMOTE_ADDR": "127.0.0.1"}
    if header is not None:
        extra["HTTP_X_FORWARDED_FOR"] = header
    answers.append(get_client_ip_address(factory.post("/accounts/login/", **extra)))
print(json.dumps({"answers": answers, "upload_dir": str(settings.FILE_UPLOAD_TEMP_DIR),
                  "max_request": settings.MAX_REQUEST_BYTES}))
"""


def _settings_under(tmp_path, **env):
    result = run_manage(
        "shell", "-c", ADDRESS_OF, env_overrides={"DJANGO_DEBUG": "1", "DJANGO_VAR_DIR": str(tmp_path), **env}
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_counted_address_is_the_one_the_outermost_proxy_saw(tmp_path):
    # No proxy (the default): only the connection's address; X-Forwarded-For is the client's
    # own say-so, and an attacker would send a new one with every guess.
    assert _settings_under(tmp_path)["answers"] == ["127.0.0.1"] * 5
    # Behind nginx (1): nginx appends the address it was reached from, so the last entry is
    # the client's whatever the client wrote before it.
    one = _settings_under(tmp_path, DJANGO_AXES_PROXY_COUNT="1")["answers"]
    assert one[1:4] == ["203.0.113.5", "203.0.113.5", "10.1.1.7"]
    # Behind the county gateway and nginx (2): the gateway's view, second from the right.
    two = _settings_under(tmp_path, DJANGO_AXES_PROXY_COUNT="2")["answers"]
    assert two[2:4] == ["6.6.6.6", "2.2.2.2"]
    # No usable header behind a proxy (a request that bypassed it, a garbled header) is not
    # taken for the proxy's address, which every real client would share: it is "unknown",
    # a lockout key no real client has.
    assert one[0] is None and one[4] is None and two[1] is None


def test_request_limits_and_the_upload_folder_follow_the_environment(tmp_path):
    answers = _settings_under(tmp_path, DJANGO_MAX_REQUEST_MB="30")
    assert answers["max_request"] == 30 * 1024 * 1024
    assert answers["upload_dir"] == str(tmp_path / "tmp" / "uploads")
    assert (tmp_path / "tmp" / "uploads").is_dir()  # created at start
    assert _settings_under(tmp_path)["max_request"] == 100 * 1024 * 1024
    bad = run_manage(
        "check",
        env_overrides={"DJANGO_DEBUG": "1", "DJANGO_VAR_DIR": str(tmp_path), "DJANGO_AXES_PROXY_COUNT": "-1"},
    )
    assert bad.returncode != 0 and "DJANGO_AXES_PROXY_COUNT must be at least 0" in bad.stderr


# What DJANGO_AXES_PROXY_COUNT=1 sets (config/settings.py; the test above runs the real thing).
BEHIND_NGINX = {"AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR",), "AXES_IPWARE_PROXY_COUNT": 0}


def test_behind_a_proxy_five_failures_lock_the_address_not_the_account(db, settings):
    from django.test import Client

    from tests.factories import StaffFactory

    for name, value in BEHIND_NGINX.items():
        setattr(settings, name, value)
    StaffFactory(username="staff1")
    proxy = {"REMOTE_ADDR": "127.0.0.1"}  # every request comes from nginx
    wrong = {"username": "staff1", "password": "wrong-password"}
    right = {"username": "staff1", "password": "correct-horse-battery"}
    attacker = Client(**proxy)
    # Five wrong passwords from address A, each with a different fake address prepended.
    for n in range(5):
        response = attacker.post("/accounts/login/", wrong, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 10.1.1.1")
    assert response.status_code == 429 and "锁定15分钟" in response.content.decode()
    # A is locked, whatever it writes in the header ...
    again = attacker.post("/accounts/login/", right, HTTP_X_FORWARDED_FOR="10.9.9.9, 10.1.1.1")
    assert again.status_code == 429
    # ... but the account is not: staff1 logs in from B through the same proxy.
    owner = Client(**proxy)
    assert owner.post("/accounts/login/", right, HTTP_X_FORWARDED_FOR="10.2.2.2").status_code == 302
    from axes.models import AccessFailureLog

    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {"10.1.1.1"}


def test_refusals_are_logged_with_the_address_lockouts_count(other_staff_client, item, settings):
    from tracker.models import AccessRefusal

    for name, value in BEHIND_NGINX.items():
        setattr(settings, name, value)
    other_staff_client.get(item.get_absolute_url(), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.3.3.3")
    assert AccessRefusal.objects.get().ip_address == "10.3.3.3"


# -- caching -----------------------------------------------------------------------------------


def test_ledger_pages_and_downloads_are_not_stored_but_static_files_are(staff_client, item, pdf, client):
    from django.urls import reverse

    from tracker.services import item_add_progress

    update = item_add_progress(
        item=item, user=staff_client.user, note="附件", files=[pdf()], expected_version=1
    )
    responses = {
        "page": staff_client.get(item.get_absolute_url()),
        "list": staff_client.get(reverse("tracker:items")),
        "csv export": staff_client.get(reverse("tracker:items"), {"_export": "csv"}),
        "xlsx export": staff_client.get(reverse("reports:export", args=[2020, "xlsx"])),
        "evidence": staff_client.get(reverse("tracker:evidence", args=[update.evidence.get().pk])),
        "login page": client.get(reverse("login")),
    }
    for name, response in responses.items():
        assert response.status_code == 200, name
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives, (name, response["Cache-Control"])
    static = client.get("/static/css/ledger.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "") and "private" not in static.get(
        "Cache-Control", ""
    )


@pytest.mark.parametrize(
    ("redis_url", "backend", "sessions"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache", "django.contrib.sessions.backends.db"),
        (
            "redis://127.0.0.1:6379/3",
            "django_redis.cache.RedisCache",
            "django.contrib.sessions.backends.cached_db",
        ),
    ],
)
def test_the_cache_is_each_workers_memory_unless_redis_url_names_a_shared_one(
    tmp_path, redis_url, backend, sessions
):
    show = (
        "from django.conf import settings; c = settings.CACHES['default'];"
        " print(c['BACKEND'], c['LOCATION'], settings.SESSION_ENGINE)"
    )
    result = run_manage(
        "shell",
        "-c",
        show,
        env_overrides={"DJANGO_DEBUG": "1", "DJANGO_VAR_DIR": str(tmp_path), "REDIS_URL": redis_url},
    )
    assert result.returncode == 0, result.stderr
    shown = result.stdout.strip().splitlines()[-1].split()
    assert shown[0] == backend
    assert shown[2] == sessions  # sessions in the shared cache, written through to the database
    if redis_url:
        assert shown[1] == redis_url


def test_sessions_in_an_unreachable_redis_fall_back_to_the_database(settings, staff_client):
    """With REDIS_URL sessions are cached_db: Redis out of reach (its errors ignored, as the
    settings say) costs a database read, never a login."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    staff_client.force_login(staff_client.user)  # a session written by the cached_db engine
    response = staff_client.get("/")
    assert response.status_code == 200
    assert response.context["user"] == staff_client.user
