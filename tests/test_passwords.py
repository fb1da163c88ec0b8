"""Password rules: weak passwords that Django's own validators let through are refused, with a
Chinese message that says what to do, on every path that sets a password: the
password-change page, the admin (add user, change password) and createsuperuser."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

# Each weak password, for a user named staff2 (王小明), with what the page must say.
WEAK = {
    " " * 10: "密码不能全是空格",
    "staff2staff2": "含有您的用户名或姓名",
    "STAFF2-fazhi-2024": "含有您的用户名或姓名",
    "王小明的法治台账2024": "含有您的用户名或姓名",
    "Abcdefgh1!": "连续的字母、数字或键盘按键",
    "Fazhi-987654": "连续的字母、数字或键盘按键",
    "abcd1234!@#$": "连续的字母、数字或键盘按键",
    "1212121212ab": "不同的字符太少",
}
STRONG = "县里台账-Fx7#qL2p"


def user_staff2(**extra):
    return StaffFactory(username="staff2", first_name="小明", last_name="王", **extra)


@pytest.mark.parametrize("password", list(WEAK))
def test_the_weak_passwords_are_refused_with_a_message_that_says_why(password):
    user = user_staff2()
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert any(WEAK[password] in message for message in refused.value.messages), refused.value.messages


def test_pinyin_names_are_refused_too_and_a_good_password_passes():
    user = UserFactory(username="zhangwei", first_name="Wei", last_name="Zhang")
    with pytest.raises(ValidationError):
        validate_password("ZHANGwei@2024", user)
    validate_password(STRONG, user_staff2())
    validate_password("correct-horse-battery", user)  # the test users' password


def test_runs_are_told_in_either_direction_and_on_the_keyboard():
    from config.passwords import sequence_runs

    assert max(length for _start, length in sequence_runs("Abcdefgh1!")) == 8
    assert max(length for _start, length in sequence_runs("x98765x")) == 5
    assert max(length for _start, length in sequence_runs("qwert")) == 5
    assert max((length for _start, length in sequence_runs("abab")), default=0) == 2


def test_the_password_change_page_refuses_weak_passwords(client):
    user = user_staff2()
    client.force_login(user)
    for password, says in WEAK.items():
        response = client.post(
            "/accounts/password_change/",
            {"old_password": "correct-horse-battery", "new_password1": password, "new_password2": password},
        )
        assert response.status_code == 200, password
        assert says in response.content.decode(), password
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery")
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "correct-horse-battery", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)


def test_the_admin_refuses_weak_passwords_when_adding_a_user(superuser_client):
    User = get_user_model()
    form = {
        "username": "staff2",
        "usable_password": "true",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    for password in ("staff2staff2", "Abcdefgh1!", " " * 10):
        response = superuser_client.post(
            "/admin/auth/user/add/", {**form, "password1": password, "password2": password}
        )
        assert response.status_code == 200
        assert "密码" in response.content.decode() and not User.objects.filter(username="staff2").exists()
    assert (
        "含有您的用户名或姓名"
        in superuser_client.post(
            "/admin/auth/user/add/", {**form, "password1": "staff2staff2", "password2": "staff2staff2"}
        ).content.decode()
    )
    response = superuser_client.post(
        "/admin/auth/user/add/", {**form, "password1": STRONG, "password2": STRONG}
    )
    assert response.status_code == 302
    assert User.objects.get(username="staff2").check_password(STRONG)


def test_the_admin_refuses_weak_passwords_when_changing_one(superuser_client):
    user = user_staff2()
    url = f"/admin/auth/user/{user.pk}/password/"
    for password, says in WEAK.items():
        response = superuser_client.post(url, {"password1": password, "password2": password})
        assert response.status_code == 200, password
        assert says in response.content.decode(), password
    assert superuser_client.post(url, {"password1": STRONG, "password2": STRONG}).status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)
    login = Client().post("/accounts/login/", {"username": "staff2", "password": STRONG})
    assert login.status_code == 302


class TTY:
    def isatty(self):
        return True


def test_createsuperuser_refuses_weak_passwords(monkeypatch, capsys):
    from django.contrib.auth.management.commands import createsuperuser
    from django.core.management import call_command

    typed = iter(["staff2staff2", "staff2staff2", "Abcdefgh1!", "Abcdefgh1!", STRONG, STRONG])
    answers = iter(["staff2", "", "n", "n"])  # user name, e-mail, then "bypass?" twice: no
    monkeypatch.setattr(createsuperuser.getpass, "getpass", lambda prompt="": next(typed))
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    call_command("createsuperuser", interactive=True, stdin=TTY())
    said = capsys.readouterr()
    assert "含有您的用户名或姓名" in said.err and "连续的字母、数字或键盘按键" in said.err
    assert get_user_model().objects.get(username="staff2").check_password(STRONG)


def test_a_short_password_is_refused_in_chinese(client):
    """Django 5.2 words this refusal with %d, which its Chinese catalogue lacks: it was English."""
    user = user_staff2()
    with pytest.raises(ValidationError) as refused:
        validate_password("Fx7#qL", user)
    assert "密码太短，至少需要 10 个字符。" in refused.value.messages
    client.force_login(user)
    content = client.post(
        "/accounts/password_change/",
        {"old_password": "correct-horse-battery", "new_password1": "Fx7#qL", "new_password2": "Fx7#qL"},
    ).content.decode()
    assert "密码太短，至少需要 10 个字符。" in content and "too short" not in content


def test_the_password_change_page_shows_a_refusal_under_the_new_password_not_its_confirmation(client):
    user = user_staff2()
    client.force_login(user)
    content = client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "Abcdefgh1!",
            "new_password2": "Abcdefgh1!",
        },
    ).content.decode()
    assert 'is-invalid" type="password" name="new_password1"' in content
    assert 'is-invalid" type="password" name="new_password2"' not in content
    # The two fields differing is still told under the confirmation.
    content = client.post(
        "/accounts/password_change/",
        {"old_password": "correct-horse-battery", "new_password1": STRONG, "new_password2": STRONG + "x"},
    ).content.decode()
    assert 'is-invalid" type="password" name="new_password2"' in content
    assert 'is-invalid" type="password" name="new_password1"' not in content
