"""JSON text with an indent of two, byte for byte what ``json.dumps(value, indent=2,
ensure_ascii=False)`` writes, but with parts written before spliced in.

``json.dumps`` with an indent runs its pure-Python encoder: half a megabyte of answer (a page of
25 positions with 300 evidence statements) took 30–60 ms at a million triples, more than the
answer itself. An answer's evidence is shared by the answers that cite it
(:class:`~kg.questions.memo.StoreMemo`), so each is written once (:class:`Written`) and copied
into every answer; the rest is written here, with the C encoder for the strings.
"""

from __future__ import annotations

import json
from typing import Any

_string = json.encoder.encode_basestring  # the C encoder, as json.dumps uses without ensure_ascii


class Written(str):
    """JSON text already written, at the top level (no indent); :func:`indented` indents it to
    where it goes."""


def indented(value: Any, level: int = 0) -> str:
    """``value`` (dicts, lists, strings, numbers, booleans, ``None`` and :class:`Written` text)
    as JSON indented by two spaces, ``level`` levels in."""
    if isinstance(value, Written):
        return value.replace("\n", "\n" + "  " * level) if level else str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "\n" + "  " * (level + 1)
        body = ("," + inner).join(
            f"{_string(str(k))}: {indented(v, level + 1)}" for k, v in value.items()
        )
        return "{" + inner + body + "\n" + "  " * level + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = "\n" + "  " * (level + 1)
        body = ("," + inner).join(indented(v, level + 1) for v in value)
        return "[" + inner + body + "\n" + "  " * level + "]"
    return json.dumps(value)
