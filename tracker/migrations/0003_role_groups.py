"""Create the role groups (经办人 staff, 审核人 reviewer, 领导 leader) with model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF, REVIEWER, LEADER = "经办人", "审核人", "领导"

MODELS = {
    "tracker": ["unit", "membership", "area", "item", "metric", "progressupdate", "evidence", "review", "unitrating"],
    "reports": ["annualreport", "section"],
}
STAFF_ADD = {"progressupdate", "evidence"}


def codenames_for(role):
    for app_label, models in MODELS.items():
        for model in models:
            yield app_label, f"view_{model}"
            if role == REVIEWER:
                yield app_label, f"add_{model}"
                yield app_label, f"change_{model}"
            elif role == STAFF and model in STAFF_ADD:
                yield app_label, f"add_{model}"


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in (STAFF, REVIEWER, LEADER):
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codename in codenames_for(role):
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[STAFF, REVIEWER, LEADER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_seed_areas"),
        ("reports", "0002_link_sections_to_areas"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
