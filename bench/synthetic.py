"""A synthetic graph shaped like Peace Talks KG, at any size, for benchmarks.

Parties, speakers who speak on their behalf, positions in a SKOS taxonomy of topics, dated
position statements (day, month or year precision, some undated) with stances, and evidence
annotations quoting source documents. About 19 triples per statement. Deterministic for a seed.
"""

from __future__ import annotations

import random

PT = "https://w3id.org/peace-talks-kg/ontology#"
ID = "https://w3id.org/peace-talks-kg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OA = "http://www.w3.org/ns/oa#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
GRAPH = "https://w3id.org/peace-talks-kg/graph/data/synthetic.ttl"

STANCES = [
    "Demands",
    "Demands",
    "Proposes",
    "Reaffirms",
    "Accepts",
    "Rejects",
    "Rejects",
    "Withdraws",
]
TRIPLES_PER_STATEMENT = 19


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if lang:
        return f"{text}@{lang}"
    return f"{text}^^<{datatype}>" if datatype else text


def generate(
    triples: int,
    seed: int = 7,
    *,
    contradictions: float = 0.0,
    supersessions: float = 0.0,
    focus: float | None = None,
    blank_nodes: bool = False,
    anchored: bool = False,
    conforming: bool = False,
) -> str:
    """N-Quads text of a synthetic graph with about ``triples`` triples, all in one named graph.

    ``contradictions`` (a share of the positions) adds ``pt:contradicts`` links between random
    positions, ``supersessions`` (a share of the statements) adds ``pt:supersedes`` from a later to
    an earlier statement of the same party. With ``focus``, each party has its own positions (its
    demands): a statement is about one of them with probability ``focus`` (else any position),
    and a rejection is about one of a rival party's. With ``blank_nodes``, each annotation's target
    and selector are blank nodes, as in the curated data (else IRIs). With ``anchored``, each
    quote selector has a prefix and a suffix and each target a position selector too, as in the
    curated data. The defaults (none of these) keep the graph exactly what ``bench/engines.py``
    measured. With ``conforming`` (which implies ``anchored``), every resource also has what the
    shapes ask of its kind (labels, definitions, the scheme, each annotation's motivation, each
    source's identifier and kind), so that together with the curated project the graph validates
    and ``kg build`` takes it.
    """
    rng = random.Random(seed)
    statements = max(1, triples // TRIPLES_PER_STATEMENT)
    parties = [f"party-{i}" for i in range(max(2, statements // 2000 + 2))]
    speakers = [
        (f"speaker-{i}", parties[i % len(parties)]) for i in range(max(4, statements // 40))
    ]
    topics = [f"topic-{i}" for i in range(12)]
    positions = [f"position-{i}" for i in range(max(10, statements // 25))]
    sources = [f"source-{i}" for i in range(max(5, statements // 30))]
    g = _iri(GRAPH)
    out: list[str] = []

    def add(s: str, p: str, o: str) -> None:
        out.append(f"{s} {p} {o} {g} .")

    for party in parties:
        add(_iri(ID + "actor/" + party), _iri(RDF_TYPE), _iri(PT + "State"))
        add(_iri(ID + "actor/" + party), _iri(LABEL), _lit(party.title(), lang="en"))
    for speaker, _party in speakers:
        add(_iri(ID + "actor/" + speaker), _iri(RDF_TYPE), _iri(PT + "Person"))
        add(_iri(ID + "actor/" + speaker), _iri(LABEL), _lit(speaker.title(), lang="en"))
    scheme = _iri(ID + "position/scheme")
    for topic in topics:
        add(_iri(ID + "position/" + topic), _iri(RDF_TYPE), _iri(PT + "Topic"))
        if conforming:
            iri = _iri(ID + "position/" + topic)
            add(iri, _iri(SKOS + "prefLabel"), _lit(topic.replace("-", " "), lang="en"))
            add(iri, _iri(SKOS + "definition"), _lit(f"Synthetic {topic}.", lang="en"))
            add(iri, _iri(SKOS + "inScheme"), scheme)
            add(iri, _iri(SKOS + "topConceptOf"), scheme)
    for position in positions:
        iri = _iri(ID + "position/" + position)
        add(iri, _iri(RDF_TYPE), _iri(PT + "Position"))
        add(iri, _iri(SKOS + "broader"), _iri(ID + "position/" + rng.choice(topics)))
        add(iri, _iri(SKOS + "prefLabel"), _lit(position.replace("-", " "), lang="en"))
        if conforming:
            add(iri, _iri(SKOS + "definition"), _lit(f"Synthetic {position}.", lang="en"))
            add(iri, _iri(SKOS + "inScheme"), scheme)
    for source in sources:
        add(_iri(ID + "source/" + source), _iri(RDF_TYPE), _iri(PT + "SourceDocument"))
        if conforming:
            iri = _iri(ID + "source/" + source)
            add(iri, _iri(LABEL), _lit(source.title(), lang="en"))
            number = int(source.split("-")[1])
            name = f"{number % 1000:03d}_{number // 1000:016x}.txt"  # as the shapes ask
            add(iri, _iri(DCTERMS + "identifier"), _lit(name))
            add(iri, _iri(PT + "sourceKind"), _iri(PT + "NewsReport"))
            add(iri, _iri(PT + "datePrecision"), _iri(PT + "UnknownDate"))

    dated: list[tuple[int, str, int]] = []
    for n in range(statements):
        speaker, party = rng.choice(speakers)
        st = _iri(f"{ID}statement/s{n}")
        ev = _iri(f"{ID}evidence/s{n}")
        year = rng.randint(2014, 2026)
        month = rng.randint(1, 12)
        precision = rng.choices(["Day", "Month", "Year", "Unknown"], [6, 3, 1, 1])[0]
        add(st, _iri(RDF_TYPE), _iri(PT + "PositionStatement"))
        add(st, _iri(LABEL), _lit(f"Statement {n}", lang="en"))
        add(st, _iri(PT + "speaker"), _iri(ID + "actor/" + speaker))
        add(st, _iri(PT + "onBehalfOf"), _iri(ID + "actor/" + party))
        stance = rng.choice(STANCES)
        add(st, _iri(PT + "stance"), _iri(PT + stance))
        if focus is None:
            about = rng.choice(positions)
        else:
            own = parties.index(party)
            if stance == "Rejects":
                own = (own + 1) % len(parties)
            pool = positions[own :: len(parties)] or positions
            about = (
                rng.choice(pool)
                if stance == "Rejects" or rng.random() < focus
                else rng.choice(positions)
            )
        add(st, _iri(PT + "about"), _iri(ID + "position/" + about))
        add(
            st,
            _iri(PT + "datePrecision"),
            _iri(PT + precision + ("Date" if precision == "Unknown" else "Precision")),
        )
        if precision == "Day":
            add(
                st,
                _iri(PT + "date"),
                _lit(f"{year}-{month:02d}-{rng.randint(1, 28):02d}", XSD + "date"),
            )
        elif precision == "Month":
            add(st, _iri(PT + "date"), _lit(f"{year}-{month:02d}", XSD + "gYearMonth"))
        elif precision == "Year":
            add(st, _iri(PT + "date"), _lit(str(year), XSD + "gYear"))
        else:
            add(st, _iri(LABEL), _lit(f"Undated statement {n}", lang="en"))
        if precision != "Unknown":
            dated.append((n, party, year))
        add(st, _iri(PT + "evidence"), ev)
        add(ev, _iri(RDF_TYPE), _iri(OA + "Annotation"))
        add(ev, _iri(OA + "hasBody"), st)
        if conforming:
            add(ev, _iri(OA + "motivatedBy"), _iri(PT + "evidencing"))
            add(ev, _iri(LABEL), _lit(f"Evidence for statement {n}", lang="en"))
        target = f"_:t{n}" if blank_nodes else _iri(f"{ID}evidence/s{n}#target")
        quote = f"_:q{n}" if blank_nodes else _iri(f"{ID}evidence/s{n}#quote")
        add(ev, _iri(OA + "hasTarget"), target)
        add(target, _iri(OA + "hasSource"), _iri(ID + "source/" + rng.choice(sources)))
        add(target, _iri(OA + "hasSelector"), quote)
        add(quote, _iri(RDF_TYPE), _iri(OA + "TextQuoteSelector"))
        add(quote, _iri(OA + "exact"), _lit(f"Quote number {n} from the source."))
        if anchored or conforming:
            exact = f"Quote number {n} from the source."
            where = f"_:p{n}" if blank_nodes else _iri(f"{ID}evidence/s{n}#position")
            add(quote, _iri(OA + "prefix"), _lit(""))
            add(quote, _iri(OA + "suffix"), _lit(""))
            add(target, _iri(OA + "hasSelector"), where)
            add(where, _iri(RDF_TYPE), _iri(OA + "TextPositionSelector"))
            add(where, _iri(OA + "start"), _lit("0", XSD + "integer"))
            add(where, _iri(OA + "end"), _lit(str(len(exact)), XSD + "integer"))
        add(target, _iri(RDF_TYPE), _iri(OA + "SpecificResource"))
    extra = random.Random(seed + 1)
    for _ in range(int(len(positions) * contradictions)):
        first, second = extra.sample(positions, 2)
        add(
            _iri(ID + "position/" + first),
            _iri(PT + "contradicts"),
            _iri(ID + "position/" + second),
        )
    by_party: dict[str, list[tuple[int, int]]] = {}
    for n, party, year in dated:
        by_party.setdefault(party, []).append((year, n))
    for _ in range(int(statements * supersessions)):
        party = extra.choice(parties)
        candidates = by_party.get(party, [])
        if len(candidates) < 2:
            continue
        (year_a, a), (year_b, b) = sorted(extra.sample(candidates, 2))
        if year_a < year_b:
            add(_iri(f"{ID}statement/s{b}"), _iri(PT + "supersedes"), _iri(f"{ID}statement/s{a}"))
    return "\n".join(out) + "\n"
