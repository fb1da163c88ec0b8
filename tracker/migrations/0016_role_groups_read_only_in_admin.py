"""The role groups read the admin, and write nothing there (issue 13: the admin was a side door).

The app decides by role (``tracker.permissions``), not by model permissions; in the admin the
rules of ``tracker.permissions`` decide too (only administrators write, closed years are
read-only), and these permissions are a second lock. So: reviewers and leaders keep view
permissions on what they read (reviewers also the access and login logs); unit staff hold
none (the admin cannot narrow items to their units); no group keeps an add, change or delete
permission. ``READS`` is the state this leaves, which the tests' reseeding copies.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF, REVIEWER, LEADER = "经办人", "审核人", "领导"

LEDGER = {
    "tracker": [
        "unit",
        "membership",
        "area",
        "item",
        "metric",
        "progressupdate",
        "evidence",
        "review",
        "unitrating",
        "extensionrequest",
        "instruction",
        "follow",
    ],
    "reports": ["annualreport", "section"],
}
LOGS = {
    "tracker": ["reminderlog", "accessrefusal"],
    "axes": ["accessattempt", "accesslog", "accessfailurelog"],
}


def _views(*tables):
    return [(app_label, f"view_{model}") for table in tables for app_label, models in table.items() for model in models]


# What each group holds once migrated: (app label, codename).
READS = {
    STAFF: [],
    REVIEWER: _views(LEDGER, LOGS),
    LEADER: _views(LEDGER),
}

# What the earlier role migrations (0003, 0007) granted beyond READS: put back on reverse.
_OLD_REVIEWER_MODELS = {
    "tracker": ["unit", "membership", "area", "item", "metric", "progressupdate", "evidence", "review", "unitrating"],
    "reports": ["annualreport", "section"],
}
_OLD_STEERING = ["extensionrequest", "instruction", "follow", "reminderlog"]
EARLIER = {
    STAFF: [
        *_views(_OLD_REVIEWER_MODELS),
        ("tracker", "add_progressupdate"),
        ("tracker", "add_evidence"),
        ("tracker", "view_extensionrequest"),
        ("tracker", "add_extensionrequest"),
        ("tracker", "view_instruction"),
    ],
    REVIEWER: [
        *[
            (app_label, f"{action}_{model}")
            for app_label, models in _OLD_REVIEWER_MODELS.items()
            for model in models
            for action in ("add", "change")
        ],
        *[("tracker", f"{action}_{model}") for model in _OLD_STEERING for action in ("add", "change")],
    ],
    LEADER: [("tracker", "add_instruction"), ("tracker", "add_follow")],
}


def _permissions(Permission, pairs):
    found = []
    for app_label, codename in pairs:
        found.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return found


def _ensure_permissions(apps):
    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def read_only(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, reads in READS.items():
        group, _ = Group.objects.get_or_create(name=name)
        # Whatever was granted, by a migration or by hand: no group writes in the admin.
        writes = group.permissions.all() if not reads else group.permissions.exclude(codename__startswith="view_")
        group.permissions.remove(*writes)
        group.permissions.add(*_permissions(Permission, reads))


def give_back(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=EARLIER):
        group.permissions.add(*_permissions(Permission, EARLIER[group.name]))


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0015_item_submitted_at"),
        ("reports", "0003_section_kind_context"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(read_only, give_back)]
