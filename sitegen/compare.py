"""Facts that compare two reply codes, from which the pair page writes its sentences."""

from __future__ import annotations

from dataclasses import dataclass

from .model import ReplyCode


@dataclass(frozen=True)
class Comparison:
    """What two reply codes share and where they differ."""

    same_class: bool
    same_kind: bool
    same_category: bool
    same_actor: bool
    shared_commands: tuple[str, ...]
    only_first: tuple[str, ...]
    only_second: tuple[str, ...]
    shared_enhanced: tuple[str, ...]
    mutually_related: bool


def compare(first: ReplyCode, second: ReplyCode) -> Comparison:
    """Compare two reply codes fact by fact."""
    shared = tuple(c for c in first.commands if c in second.commands)
    enhanced = tuple(e for e in first.enhanced if e.split(".", 1)[1] in {x.split(".", 1)[1] for x in second.enhanced})
    return Comparison(
        same_class=first.reply_class == second.reply_class,
        same_kind=first.kind == second.kind,
        same_category=first.category == second.category,
        same_actor=first.actor == second.actor,
        shared_commands=shared,
        only_first=tuple(c for c in first.commands if c not in shared),
        only_second=tuple(c for c in second.commands if c not in shared),
        shared_enhanced=enhanced,
        mutually_related=second.code in first.related or first.code in second.related,
    )
