"""Routing: which extra streams an event goes to, from rules like {'lang:ru': 'language=ru'}.

A rule is `condition[,condition...]` (all must hold); a condition is `field=value[|value...]`
(any value may match). Fields: `language`, `country` (any place's ISO code), `topic` (an IPTC
code, with or without 'medtop:', or its label), `duplicate` (true/false). The main stream always
gets every event; these are extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from schemas import NewsEvent

_FIELDS = ("language", "country", "topic", "duplicate")


@dataclass(frozen=True)
class Route:
    """One extra stream (its suffix) and the conditions an event must meet to go there."""

    stream: str
    conditions: tuple[tuple[str, frozenset[str]], ...]


def compile_rules(rules: Mapping[str, str]) -> list[Route]:
    """Parse routing rules; raise ValueError naming the bad rule."""
    routes = []
    for stream, rule in rules.items():
        conditions = []
        for part in filter(None, (p.strip() for p in rule.split(","))):
            name, sep, values = part.partition("=")
            name = name.strip().lower()
            if not sep or name not in _FIELDS or not values.strip():
                raise ValueError(f"routing rule {stream!r}: {part!r} is not one of {'|'.join(_FIELDS)}=VALUE")
            wanted = frozenset(
                v.strip().lower().removeprefix("medtop:") for v in values.split("|") if v.strip()
            )
            if name == "duplicate" and not wanted <= {"true", "false"}:
                raise ValueError(f"routing rule {stream!r}: duplicate must be true or false")
            conditions.append((name, wanted))
        if not conditions:
            raise ValueError(f"routing rule {stream!r} has no condition")
        routes.append(Route(stream, tuple(conditions)))
    return routes


def _values(event: NewsEvent, name: str) -> set[str]:
    if name == "language":
        return {event.language.lower()} if event.language else set()
    if name == "country":
        return {p.country_code.lower() for p in event.places if p.country_code}
    if name == "topic":
        return {t.code.removeprefix("medtop:") for t in event.topics} | {
            t.label.lower() for t in event.topics
        }
    return {"true" if event.duplicate_of else "false"}


def streams_for(event: NewsEvent, routes: list[Route]) -> list[str]:
    """Suffixes of the extra streams this event is routed to, in rule order."""
    return [
        route.stream
        for route in routes
        if all(_values(event, name) & wanted for name, wanted in route.conditions)
    ]
