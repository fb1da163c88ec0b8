"""The raw-SQL floor of the item list, for ``bench/run`` only (served by bench.settings'
URLconf, never by the product's): the same page of rows fetched with one SQL query and drawn as a
bare HTML table, to show how far the real page is from what the database alone costs."""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse
from django.utils.html import escape

from tracker import permissions

PAGE = 25
SQL = """
SELECT i.id, i.year, a.name, i.kind, i.title, u.name, i.due_on, i.status, i.updated_at
FROM tracker_item i
LEFT JOIN tracker_area a ON a.id = i.area_id
LEFT JOIN tracker_unit u ON u.id = i.lead_unit_id
WHERE i.year = %s AND (%s = 0 OR i.area_id = %s)
ORDER BY i.year DESC, i."order", i.id
LIMIT %s OFFSET %s
"""


def item_floor(request):
    if not permissions.sees_all_items(request.user):  # it shows every unit's items
        raise PermissionDenied
    try:
        year = int(request.GET.get("year", 0))
        area = int(request.GET.get("area", 0) or 0)
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return HttpResponse(status=400)
    with connection.cursor() as cursor:
        cursor.execute(SQL, [year, area, area, PAGE, (page - 1) * PAGE])
        rows = cursor.fetchall()
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if value is None else value)}</td>" for value in row) + "</tr>"
        for row in rows
    )
    return HttpResponse(f"<!doctype html><table>{body}</table>")
