"""How many rows a page shows, from ``?per_page``: bounded, so that no query string asks for a
page of 30,000 rows (20 MB of HTML) or of -5 (a paginator error)."""

MAX_PER_PAGE = 200


def bounded_per_page(value, *, default: int) -> int:
    """``value`` (a query parameter, a number or None) as a page size from 1 to MAX_PER_PAGE;
    ``default`` when it is missing or not a whole number."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, 1), MAX_PER_PAGE)
