"""The one error of the fast validator: the shapes ask for SHACL it does not implement."""

from __future__ import annotations


class Unsupported(Exception):
    """The shapes (or the data graph's kind) need something only pySHACL implements.

    Raised while reading the shapes, before any validation, so the caller can validate with
    pySHACL instead; ``str(exc)`` says what was found.
    """


def named(term: object) -> str:
    """A term for a message: ``sh:closed`` for a SHACL term, else its N-Triples form."""
    text = str(term)
    shacl = "http://www.w3.org/ns/shacl#"
    if text.startswith(shacl):
        return "sh:" + text[len(shacl) :]
    n3 = getattr(term, "n3", None)
    return n3() if callable(n3) else text
