from django.shortcuts import render

from tracker import permissions
from tracker.choices import ItemStatus

from . import selectors


def home(request):
    """After login: the years and how many of the user's items stand in each status."""
    user = request.user
    return render(
        request,
        "reports/home.html",
        {
            "reports": selectors.reports_with_status_counts(user),
            "statuses": ItemStatus.choices,
            "my_units": selectors.units_of(user),
            "sees_all": permissions.sees_all_items(user),
        },
    )
