"""Forms of the account pages (config/urls.py)."""

from django import forms
from django.contrib.auth import forms as auth_forms


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with the password rules' refusals shown under the new password, beside the
    rules they break, instead of under its confirmation (which reads as "you typed the
    confirmation wrong")."""

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)
