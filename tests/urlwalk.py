"""Walk the URLconf: every named route of the project outside the admin."""

from django.urls import URLPattern, URLResolver, get_resolver


def project_routes():
    """Yield ``(name, route)`` for each URL pattern outside ``/admin/``.

    ``name`` is namespaced (``tracker:healthz``); ``route`` is the joined route string.
    """

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route.startswith("admin/"):
                    continue
                ns = entry.namespace
                full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                yield from walk(entry.url_patterns, route, full_ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield name, route

    yield from walk(get_resolver().url_patterns, "", None)
