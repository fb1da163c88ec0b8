"""Documents printed for a chase (催办): the 督办通知单 (reports/exporting/notice.py)."""

import io

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tracker import selectors
from tracker.models import Chase

from .exporting.notice import write_chase_notice

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_GET
def chase_notice(request, pk: int):
    """The 督办通知单 of one chase, as DOCX, to whoever sees its item (404 otherwise)."""
    try:
        chase = selectors.chase_visible_to(request.user, pk)
    except Chase.DoesNotExist:
        raise Http404(_("No such chase, or its item is not one you may see.")) from None
    buffer = io.BytesIO()
    write_chase_notice(chase, buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"督办通知单-{chase.item.year}-{chase.number}.docx",
        content_type=DOCX,
    )
