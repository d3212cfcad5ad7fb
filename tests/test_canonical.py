"""The build's canonical N-Quads: RDFC-1.0 applied to the blank-node quads alone gives the same
bytes as RDFC-1.0 applied to the whole dataset (``kg.store.serialize.canonical_store``)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.store.serialize import Digest, canonical_store, sorted_lines, write_canonical_store


def reference(quads: list[ox.Quad]) -> bytes:
    """RDFC-1.0 over every quad, as Oxigraph does it."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted_lines(dataset, ox.RdfFormat.N_QUADS)


def store_of(quads: list[ox.Quad]) -> ox.Store:
    store = ox.Store()
    store.extend(quads)
    return store


EX = "http://example.org/"
IRIS = [ox.NamedNode(f"{EX}{name}") for name in ("a", "b", "c")]
BLANKS = [ox.BlankNode(f"b{i}") for i in range(4)]
LITERALS = [
    ox.Literal("x"),
    ox.Literal("_:b0 in a string"),
    ox.Literal("x", language="en"),
    ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
]
resources = st.sampled_from(IRIS + BLANKS)
objects = st.sampled_from(IRIS + BLANKS + LITERALS)
graphs = st.sampled_from([ox.DefaultGraph(), IRIS[0], IRIS[1], BLANKS[3]])
quads = st.builds(ox.Quad, resources, st.sampled_from(IRIS), objects, graphs)


@settings(max_examples=300, deadline=None)
@given(st.lists(quads, max_size=14))
def test_blank_quads_alone_give_the_canonical_form_of_the_whole(drawn: list[ox.Quad]):
    assert canonical_store(store_of(drawn)) == reference(drawn)


def test_indistinguishable_blank_nodes_are_labelled_as_the_whole_dataset_labels_them():
    """Two selectors with the same quote (first-degree hashes collide) and a cycle of blank
    nodes: RDFC-1.0's n-degree hashing decides, and it reads only blank-node quads too."""
    p, q = ox.NamedNode(EX + "p"), ox.NamedNode(EX + "q")
    b = [ox.BlankNode(f"n{i}") for i in range(6)]
    drawn = [
        ox.Quad(IRIS[0], p, b[0], IRIS[2]),
        ox.Quad(IRIS[1], p, b[1], IRIS[2]),
        ox.Quad(b[0], q, ox.Literal("same quote"), IRIS[2]),
        ox.Quad(b[1], q, ox.Literal("same quote"), IRIS[2]),
        ox.Quad(b[2], p, b[3]),
        ox.Quad(b[3], p, b[4]),
        ox.Quad(b[4], p, b[2]),
        ox.Quad(b[5], q, ox.Literal("alone")),
        ox.Quad(IRIS[0], q, ox.Literal("no blank node here")),
    ]
    assert canonical_store(store_of(drawn)) == reference(drawn)


def test_the_curated_build_is_its_own_canonical_form(curated_build: Path):
    artefact = curated_build
    quads = list(ox.parse(path=str(artefact), format=ox.RdfFormat.N_QUADS))
    assert canonical_store(store_of(quads)) == reference(quads) == artefact.read_bytes()


def test_a_dataset_written_in_many_pieces_gives_the_same_bytes_and_says_what_they_are():
    """Oxigraph writes a dump in pieces of a few kilobytes that cut lines anywhere (a UTF-8
    character too); the build writes the sorted lines in batches, and records them as it goes."""
    p = ox.NamedNode(EX + "p")
    drawn = [
        ox.Quad(ox.NamedNode(f"{EX}s{i}"), p, ox.Literal("é" * (i % 40) + str(i)), IRIS[i % 2])
        for i in range(3000)
    ]
    drawn += [ox.Quad(BLANKS[0], p, BLANKS[1], IRIS[0]), ox.Quad(BLANKS[1], p, LITERALS[0])]
    out = io.BytesIO()
    written = write_canonical_store(store_of(drawn), out)
    data = out.getvalue()
    assert len(data) > 100_000 and data == reference(drawn)
    assert written == Digest(len(drawn), len(data), hashlib.sha256(data).hexdigest())
