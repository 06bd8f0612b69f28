"""Every named route of the URL conf, found by walking the resolver (not a hand-kept list)."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Route:
    name: str  # with its namespace, e.g. "admin:index"
    pattern: str
    keywords: tuple[str, ...]
    positional: int = 0  # unnamed groups of a regex route (django-simple-history's admin)


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            keywords = tuple(entry.pattern.converters) + tuple(
                entry.pattern.regex.groupindex.keys() - entry.pattern.converters.keys()
            )
            positional = entry.pattern.regex.groups - len(entry.pattern.regex.groupindex)
            yield Route(
                f"{namespace}{entry.name}", prefix + str(entry.pattern), keywords, positional
            )


def all_routes() -> list[Route]:
    return sorted({r.name: r for r in _walk(get_resolver())}.values(), key=lambda r: r.name)


def url_for(route: Route, kwargs: dict, args: tuple = ()) -> str:
    return reverse(route.name, args=args) if args else reverse(route.name, kwargs=kwargs)
