"""A replay of exactly the mod_rewrite subset ``w3id/.htaccess`` uses, so that its redirects can
be tested without an Apache: ``Options``, ``RewriteEngine on``, ``RewriteCond %{HTTP_ACCEPT}``
with a regular expression and the flags ``NC`` and ``OR``, and ``RewriteRule`` with ``$N``
captures and the flags ``R=302``/``R=303`` with ``L``. Anything else (another variable, a negated
pattern, another flag, a rule that does not redirect and stop) is refused, so the file cannot
drift outside what this replays.

As in a directory's ``.htaccess``, a rule's pattern is matched against the path below the folder
(``id/actor/russia``, no leading slash); the conditions before a rule apply to it alone, each
``OR`` joins a condition to the next, and groups are joined by AND. An absent ``Accept`` is the
empty string. The regular expressions are read by Python's ``re``, which agrees with PCRE on
the plain patterns allowed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

COND_FLAGS = {"NC", "OR"}
RULE_FLAGS = ({"R=302", "L"}, {"R=303", "L"})


class Unsupported(ValueError):
    """A line outside the replayed subset."""


@dataclass(frozen=True)
class Condition:
    pattern: re.Pattern[str]
    joins_next: bool


@dataclass(frozen=True)
class Rule:
    line: int
    pattern: re.Pattern[str]
    target: str
    status: int
    conditions: tuple[Condition, ...] = field(default=())

    def applies(self, accept: str) -> bool:
        """The conditions, OR-groups joined by AND."""
        group: list[bool] = []
        for condition in self.conditions:
            group.append(condition.pattern.search(accept) is not None)
            if not condition.joins_next:
                if not any(group):
                    return False
                group = []
        return not group or any(group)


@dataclass(frozen=True)
class Redirect:
    status: int
    location: str
    line: int
    """The line of the rule that chose it."""


def _flags(text: str | None) -> set[str]:
    if text is None:
        return set()
    if not (text.startswith("[") and text.endswith("]")):
        raise Unsupported(f"flags must be [..]: {text}")
    return set(text[1:-1].split(","))


def parse(path: Path) -> list[Rule]:
    """The rules of an ``.htaccess`` file, each with its conditions."""
    rules: list[Rule] = []
    pending: list[Condition] = []
    engine = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        directive, args = words[0], words[1:]
        if directive == "Options":
            continue
        if directive == "RewriteEngine":
            engine = args == ["on"]
            continue
        if directive not in ("RewriteCond", "RewriteRule") or len(args) not in (2, 3):
            raise Unsupported(f"line {number}: {line}")
        flags = _flags(args[2] if len(args) == 3 else None)
        if directive == "RewriteCond":
            if args[0] != "%{HTTP_ACCEPT}" or args[1].startswith("!") or not flags <= COND_FLAGS:
                raise Unsupported(f"line {number}: {line}")
            regex = re.compile(args[1], re.IGNORECASE if "NC" in flags else 0)
            pending.append(Condition(regex, "OR" in flags))
            continue
        if flags not in RULE_FLAGS or args[0].startswith("!"):
            raise Unsupported(f"line {number}: only [R=302,L] and [R=303,L] rules: {line}")
        if pending and pending[-1].joins_next:
            raise Unsupported(f"line {number}: the last condition before a rule has [OR]")
        status = 303 if "R=303" in flags else 302
        rules.append(Rule(number, re.compile(args[0]), args[1], status, tuple(pending)))
        pending = []
    if not engine:
        raise Unsupported("RewriteEngine is not on")
    if pending:
        raise Unsupported("conditions after the last rule")
    return rules


def _substitute(target: str, found: re.Match[str]) -> str:
    """``$0`` … ``$9`` in a rule's target replaced by the pattern's match and its groups."""
    groups = [found.group(0), *found.groups()]
    return re.sub(r"\$(\d)", lambda m: groups[int(m.group(1))] or "", target)


def rewrite(rules: list[Rule], path: str, accept: str | None) -> Redirect | None:
    """The redirect the first applying rule makes of ``path`` (below the folder), or None."""
    for rule in rules:
        found = rule.pattern.search(path)
        if found is None or not rule.applies(accept or ""):
            continue
        return Redirect(rule.status, _substitute(rule.target, found), rule.line)
    return None
