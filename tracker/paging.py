"""How many rows a page shows, from ``?per_page``: bounded, so that no query string asks for a
page of 30,000 rows (20 MB of HTML) or of -5 (a paginator error); and a paginator that does
not count long lists to their end."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

MAX_PER_PAGE = 200


def bounded_per_page(value, *, default: int) -> int:
    """``value`` (a query parameter, a number or None) as a page size from 1 to MAX_PER_PAGE;
    ``default`` when it is missing or not a whole number."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, 1), MAX_PER_PAGE)


class ShallowPaginator(Paginator):
    """A paginator that counts no further than the page asked for needs: a person with 30,000
    messages pays for counting the first pages, not all of them (95 ms a page at 31k messages
    on PostgreSQL, bench/inbox_bench.py). Up to ``exact_pages`` pages the total is known
    (``exact``); beyond, it says only that there is a next page. ``number`` is the page
    asked for, as given (parsed the way ``get_page`` would)."""

    def __init__(self, object_list, per_page, *, number, exact_pages: int = 10):
        super().__init__(object_list, per_page)
        try:
            asked = max(int(number), 1)
        except (TypeError, ValueError):
            asked = 1
        self.limit = max(asked, exact_pages) * self.per_page + 1

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.limit].count()

    @property
    def exact(self) -> bool:
        """Whether ``count`` and ``num_pages`` are the whole list's."""
        return self.count < self.limit
