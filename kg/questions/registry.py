"""The temporal questions as data: what each one asks, its parameters, the ``.rq`` queries that answer
it, and what sets it apart from the others.

A question declares its differences here, and the rest of the package acts on the declarations:
how a page of its rows is read (:attr:`Question.parties_query`), what its rows are and so how they
become an answer (:attr:`Question.shape`), whose undated statements it lists
(:attr:`Question.undated`) and whether a table names each item's party
(:attr:`Question.names_party`). No code outside this module looks at a question's name to decide
what to do. Semantics: ``docs/questions.md``; the queries: ``kg/queries/ask-*.rq``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kg.rdf.namespaces import PT

PAGE_SIZE = 25
"""Items per page unless ``limit`` says otherwise."""
MAX_PAGE_SIZE = 10_000
"""The largest ``limit`` as a number (``all`` lifts it)."""
MAX_OFFSET = 10**12
"""The largest ``offset``: far beyond any answer, and with a page added still within the
largest ``OFFSET`` every engine takes (:data:`kg.store.MAX_SLICE`)."""
MODES = ("attested", "in-force")
"""The modes of ``persisted``, each answered by its own query (``ask-persisted-<mode>.rq``)."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a question.

    ``kind`` is ``party`` (an actor IRI, prefixed name or short name such as ``russia``),
    ``period`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), ``open-period`` (a period, or one ending
    in ``..`` for "from then on"), ``mode`` (one of ``choices``: which query answers),
    ``choice`` (one of ``choices``, bound as a boolean: each variable of ``binds`` is true when the
    value is the one named beside it; or, with ``terms``, bound to the IRI ``terms`` gives the
    value), ``position`` (a position IRI, prefixed name or short name),
    ``limit`` (a page size, or ``all``) or ``offset`` (items to skip).

    A period says which query variables it binds (``binds``: each variable with ``start`` or
    ``end``, the period's first or last day, or ``filed-year``, the year the conflicts of its last
    day are filed under, bound only where the query takes it) and which period it must start after
    (``after``), so that the queries' variables are named in one place.
    """

    name: str
    kind: str
    help: str
    required: bool = True
    default: str | None = None
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    binds: tuple[tuple[str, str], ...] = ()
    after: str | None = None
    terms: tuple[tuple[str, str], ...] = ()


class Shape(Enum):
    """What a question's rows are, and so how they become an answer."""

    LIFECYCLE = "lifecycle"
    """Each row a party's record of a position (a lifecycle the build derived, with the other
    party's for conflicts): an item with the dated statements of its lifecycle(s) as evidence."""
    TIMELINE = "timeline"
    """Each row one statement about a position: an item of its own when dated, else undated."""

    @property
    def rows_show_derived(self) -> bool:
        """Whether finding rows shows the build has derived lifecycles (graph:derived): a
        lifecycle row is one, but a timeline's statements are there without them."""
        return self is Shape.LIFECYCLE


class Undated(Enum):
    """Whose undated statements (never placed in time, listed so none is silently dropped) an
    answer lists."""

    PARTY = "party"
    """The asked party's, the same on every page."""
    ROWS = "rows"
    """Those about the positions of the page's rows (both sides of a conflict)."""


@dataclass(frozen=True)
class Question:
    """A temporal question: its name (as in ``kg ask NAME`` and ``/api/ask/NAME``), a title, a
    one-paragraph description, its parameters, and the ``.rq`` file(s) that answer it
    (``query`` names the file without ``.rq``; with modes, ``query_name(mode)`` does).

    The rest declares how it differs from the others: ``shape`` (what its rows are),
    ``undated`` (whose undated statements it lists), ``parties_query`` (a canned query listing
    the parties in the order of the question's rows, when a page over every party is read party
    by party; ``None``: a page is one query) and ``names_party`` (items of several parties, each
    named before its position in a table)."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    query: str
    modes: tuple[str, ...] = ()
    shape: Shape = Shape.LIFECYCLE
    undated: Undated = Undated.PARTY
    parties_query: str | None = None
    names_party: bool = False

    def query_name(self, mode: str | None = None) -> str:
        """The canned query (``kg/queries/<name>.rq``) that answers this question in ``mode``."""
        if self.modes:
            return f"{self.query}-{mode or self.modes[0]}"
        return self.query

    def query_names(self) -> list[str]:
        """Every canned query that answers this question, one per mode."""
        return [self.query_name(m) for m in self.modes] if self.modes else [self.query]

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called ``name`` or one of its aliases; ``None`` when there is none."""
        for p in self.parameters:
            if name == p.name or name in p.aliases:
                return p
        return None


_PARTY = Parameter(
    "party",
    "party",
    "The party: an actor IRI, a prefixed name (actor:russia) or a short name (russia, ukraine, "
    "united-states).",
)
_FROM = Parameter(
    "from",
    "period",
    "The earlier period: YYYY, YYYY-MM or YYYY-MM-DD.",
    binds=(("fromEnd", "end"),),
)
_TO = Parameter(
    "to",
    "open-period",
    "The later period: YYYY, YYYY-MM or YYYY-MM-DD, or open-ended with a trailing '..' "
    "(2025-07.. = July 2025 or later).",
    binds=(("toStart", "start"), ("toEnd", "end")),
    after="from",
)
_AT = Parameter(
    "at",
    "period",
    "The period: YYYY, YYYY-MM or YYYY-MM-DD (its last day counts).",
    binds=(("atEnd", "end"), ("year", "filed-year")),
)
_PACKAGES = Parameter(
    "packages",
    "choice",
    "include (the default): a party's statement of a package position that comprises the position "
    "(pt:comprises, e.g. a neutral status comprises renouncing NATO membership) counts as restating "
    "it, and the evidence says so (stated as part of …); exclude: only statements about the "
    "position itself.",
    required=False,
    default="include",
    choices=("include", "exclude"),
    binds=(("entries", "include"),),
    terms=(("include", str(PT.entryWithPackages)), ("exclude", str(PT.entry))),
)
_PAGE = (
    Parameter(
        "limit",
        "limit",
        f"Items per page: 1 to {MAX_PAGE_SIZE}, or all (default {PAGE_SIZE}). An answer says "
        "where the next page starts.",
        required=False,
        default=str(PAGE_SIZE),
    ),
    Parameter(
        "offset",
        "offset",
        f"Items to skip, 0 to {MAX_OFFSET}: 0 for the first page (the default), else the "
        "`next` of the page before.",
        required=False,
        default="0",
    ),
)
"""Every question's items come in pages, in the order of its query's ORDER BY."""

QUESTIONS: dict[str, Question] = {
    q.name: q
    for q in (
        Question(
            "persisted",
            "Persisted demands",
            "Positions a party stated in or before `from` and still held at `to`. Mode attested: "
            "stated again within `to` (in or after it when `to` is open-ended) with no withdrawal "
            "or supersession in between. Mode in-force: nothing in the graph shows it withdrawn "
            "or superseded before the end of `to`; each item says when it was last attested.",
            (
                _PARTY,
                _FROM,
                _TO,
                Parameter(
                    "mode",
                    "mode",
                    "attested (stated again in `to`) or in-force (not withdrawn by the end of "
                    "`to`).",
                    required=False,
                    default="attested",
                    choices=MODES,
                ),
                _PACKAGES,
                *_PAGE,
            ),
            "ask-persisted",
            MODES,
        ),
        Question(
            "added",
            "Added demands",
            "Positions a party first stated after `from` and by the end of `to`.",
            (_PARTY, _FROM, _TO, *_PAGE),
            "ask-added",
        ),
        Question(
            "dropped",
            "Dropped demands",
            "Positions a party held at the end of `from` and had withdrawn, or seen superseded, "
            "by the end of `to` (category withdrawn); and, separately, those still in force but "
            "not attested again since `from` (category not re-attested).",
            (_PARTY, _FROM, _TO, *_PAGE),
            "ask-dropped",
        ),
        Question(
            "re-emerged",
            "Re-emerged demands",
            "Positions a party stated in or before `from`, did not state at all between the two "
            "periods, and stated again in `to` (in or after it when `to` is open-ended).",
            (_PARTY, _FROM, _TO, _PACKAGES, *_PAGE),
            "ask-re-emerged",
        ),
        Question(
            "position",
            "Position at a date",
            "The positions a party held at the end of `at`: stated by then and not withdrawn or "
            "superseded.",
            (_PARTY, _AT, *_PAGE),
            "ask-position",
        ),
        Question(
            "diff",
            "Change of position",
            "A party's positions at the end of `from` against those at the end of `to`: added "
            "(held only at the end), persisted (held at both ends), dropped (held only at the "
            "start). Every position held at either end is in exactly one class.",
            (_PARTY, _FROM, _TO, *_PAGE),
            "ask-diff",
        ),
        Question(
            "conflicts",
            "Conflicts",
            "At the end of `at`, the positions one party held that another party rejected, or "
            "contradicted with a position it held itself (pt:contradicts). With `party`, only "
            "that party's positions.",
            (
                _AT,
                Parameter(
                    "party",
                    "party",
                    "Optional: only this party's positions (an actor IRI, a prefixed name or a "
                    "short name); every party's by default.",
                    required=False,
                ),
                Parameter(
                    "between",
                    "choice",
                    "parties (the default): conflicts between parties to the negotiations; all: "
                    "also those with an actor that is no party (pt:NonParty, such as the drafters "
                    "of a text).",
                    required=False,
                    default="parties",
                    choices=("parties", "all"),
                    binds=(("nonParties", "all"),),
                ),
                *_PAGE,
            ),
            "ask-conflicts",
            # Its rows are ordered by party first: a page near the start reads the first
            # parties' conflicts instead of sorting every conflict on the day.
            undated=Undated.ROWS,
            parties_query="ask-conflict-parties",
            names_party=True,
        ),
        Question(
            "timeline",
            "Timeline of a position",
            "Every statement about one position by any party, in date order with the precision "
            "of its date; undated statements are listed apart.",
            (
                Parameter(
                    "position",
                    "position",
                    "The position: an IRI, a prefixed name (position:ukraine-neutral-status) or a "
                    "short name (ukraine-neutral-status).",
                    aliases=("demand",),
                ),
                _PACKAGES,
                *_PAGE,
            ),
            "ask-timeline",
            shape=Shape.TIMELINE,
            undated=Undated.ROWS,
        ),
    )
}
"""Every question by name, in the order they are documented."""
