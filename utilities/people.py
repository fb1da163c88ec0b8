"""How a person is named on pages and in files."""


def person_label(first_name: str, last_name: str, username: str) -> str:
    """The full name (Django's ``first last``), else the user name."""
    return f"{first_name} {last_name}".strip() or username


def user_label(user) -> str:
    """``person_label`` of a user account; empty for none."""
    if user is None:
        return ""
    return person_label(user.first_name, user.last_name, user.get_username())


def official_label(name: str, post: str) -> str:
    """A responsible official named without an account, as lists write him or her: the name,
    and the post in full-width brackets when known (王明（副局长）); empty without a name."""
    name, post = (name or "").strip(), (post or "").strip()
    if not name:
        return ""
    return f"{name}（{post}）" if post else name
