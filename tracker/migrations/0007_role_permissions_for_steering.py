"""Give the role groups their model permissions on extensions, instructions, follows and
reminders (the app checks roles itself; these matter for the admin)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF, REVIEWER, LEADER = "经办人", "审核人", "领导"
MODELS = ["extensionrequest", "instruction", "follow", "reminderlog"]
GRANTS = {
    STAFF: ["view_extensionrequest", "add_extensionrequest", "view_instruction"],
    REVIEWER: [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change")],
    LEADER: ["view_extensionrequest", "view_instruction", "add_instruction", "view_follow", "add_follow"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="tracker", codename__in=GRANTS[group.name]))


class Migration(migrations.Migration):
    dependencies = [("tracker", "0006_review_extensions_instructions_follows_reminders")]
    operations = [migrations.RunPython(grant, revoke)]
