"""Password rules beyond Django's validators (AUTH_PASSWORD_VALIDATORS in config/settings.py).

Django's own four let through ten spaces, ``staff2staff2`` for the user staff2 (the
similarity ratio stays under its threshold when the name is repeated) and ``Abcdefgh1!``.
These refuse a password that contains the user name or the person's name, is only
whitespace, has too few different characters, or is built from runs of the alphabet, the
digits or a keyboard row. Django asks them wherever a password is set through a form or a
prompt: the password-change page, the admin (add user, change password) and
``createsuperuser``.

Runs rather than a strength estimator (zxcvbn): zxcvbn scores ``Abcdefgh1!`` 3 out of 4
(about 10^8 guesses), the same as a random ten-character password, so no threshold refuses
the one without refusing the other; and its dictionaries are English. The rule below says in
one sentence what is wrong and what to do instead.
"""

import itertools
import unicodedata

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _fold(text: str) -> str:
    """Compare ignoring case and width (全角 ＡＢＣ is ABC)."""
    return unicodedata.normalize("NFKC", text).casefold()


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its refusal worded as Django's Chinese catalogue has it: Django 5.2 says
    "at least %d characters", a message its zh_Hans catalogue lacks, so the page showed it in
    English."""

    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class NotPersonalValidator:
    """Refuse a password that contains the user name or the person's name (first, last or
    full name, in either order, with or without a space; Chinese names too), ignoring case.

    Latin names count from three letters on (``li`` is inside too many words); a Chinese
    name from two characters (a one-character surname or given name alone is not refused).
    """

    def __init__(self, user_attributes=("username", "first_name", "last_name")):
        self.user_attributes = user_attributes

    @staticmethod
    def _long_enough(part: str) -> bool:
        return len(part) >= (3 if part.isascii() else 2)

    def _names(self, user) -> set[str]:
        values = [str(getattr(user, name, "") or "").strip() for name in self.user_attributes]
        first = str(getattr(user, "first_name", "") or "").strip()
        last = str(getattr(user, "last_name", "") or "").strip()
        values += [f"{first} {last}", f"{last} {first}", first + last, last + first]
        names = set()
        for value in values:
            value = _fold(value).strip()
            for name in (value, value.replace(" ", "")):
                if self._long_enough(name):
                    names.add(name)
        return names

    def validate(self, password, user=None):
        if user is None:
            return
        folded = _fold(password)
        if any(name in folded for name in self._names(user)):
            raise ValidationError(
                _("This password contains your user name or your name. Choose one that contains neither."),
                code="password_contains_name",
            )

    def get_help_text(self):
        return _("Your password cannot contain your user name or your name.")


class NotOnlyWhitespaceValidator:
    """Refuse a password of spaces (half- or full-width), tabs or line breaks only."""

    def validate(self, password, user=None):
        if password and not password.strip():
            raise ValidationError(
                _("A password cannot be only spaces. Use letters, digits or symbols."),
                code="password_only_whitespace",
            )

    def get_help_text(self):
        return _("Your password cannot be only spaces.")


class DistinctCharactersValidator:
    """Refuse a password with fewer than ``min_distinct`` different characters
    (``aaaaaaaaaa``, ``1212121212``), ignoring case."""

    def __init__(self, min_distinct: int = 6):
        self.min_distinct = min_distinct

    def validate(self, password, user=None):
        if not password.strip():
            return  # NotOnlyWhitespaceValidator says it better
        if len(set(_fold(password))) < self.min_distinct:
            raise ValidationError(
                _(
                    "This password uses too few different characters. "
                    "Use at least %(min_distinct)d different letters, digits or symbols."
                ),
                code="password_too_few_distinct",
                params={"min_distinct": self.min_distinct},
            )

    def get_help_text(self):
        return _("Your password must use at least %(min_distinct)d different characters.") % {
            "min_distinct": self.min_distinct
        }


# Characters that follow each other: the alphabet, the digits, and the rows of a keyboard
# (digits, shifted digits, letters). Runs count forwards and backwards.
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "1234567890",
    "!@#$%^&*()",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
)


def sequence_runs(password: str) -> list[tuple[int, int]]:
    """(start, length) of each run of two or more characters of ``password`` that follow one
    another in one of SEQUENCES, in one direction (``abc``, ``987``, ``qwe``), ignoring case."""
    text = _fold(password)
    runs = []
    for sequence in SEQUENCES:
        for order in (sequence, sequence[::-1]):
            following = dict(itertools.pairwise(order))
            start = 0
            for end in range(1, len(text) + 1):
                if end < len(text) and following.get(text[end - 1]) == text[end]:
                    continue
                if end - start >= 2:
                    runs.append((start, end - start))
                start = end
    return runs


class NoSequenceValidator:
    """Refuse a password with a run of more than ``max_run`` characters in a row of the
    alphabet, the digits or a keyboard row (``Abcdefgh1!``, ``qwert``, ``54321``), or one
    that is at least half made of runs of three (``abcd1234!@#$``, ``abc123xyz!``)."""

    def __init__(self, max_run: int = 4):
        self.max_run = max_run

    def validate(self, password, user=None):
        runs = [(start, length) for start, length in sequence_runs(password) if length >= 3]
        covered = {start + offset for start, length in runs for offset in range(length)}
        longest = max((length for _start, length in runs), default=0)
        if longest > self.max_run or (password and 2 * len(covered) >= len(password)):
            raise ValidationError(
                _(
                    "This password is built from letters, digits or keys in a row (such as abcde, "
                    "12345 or qwert), which are guessed first. Mix them up, or use a phrase only you would think of."
                ),
                code="password_sequence",
            )

    def get_help_text(self):
        return _("Your password cannot be built from letters, digits or keys in a row (abcde, 12345, qwert).")
