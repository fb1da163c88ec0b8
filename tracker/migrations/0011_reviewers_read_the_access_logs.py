"""Reviewers (the rule-of-law office) may read the access logs in the admin: refused requests,
logins and failed logins (django-axes)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWER = "审核人"
CODENAMES = {
    "tracker": ["view_accessrefusal"],
    "axes": ["view_accessattempt", "view_accesslog", "view_accessfailurelog"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=REVIEWER)
    for app_label, codenames in CODENAMES.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=REVIEWER):
        for app_label, codenames in CODENAMES.items():
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0010_access_refusal"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
