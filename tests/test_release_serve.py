"""A release stands the service up elsewhere: a release of the curated data, copied into a folder
that holds nothing else of the project, served by a real ``kg serve --dataset
<folder>/ptkg-all.nq``, shows the same pages and gives the same answers as the real ``kg serve``
on the build it was made from.

What may differ, and why:

- blank-node labels: each store names the blank nodes it loads (a blank node has no name outside
  the file it is written in), so the JSON twins are compared with every label replaced by a
  placeholder and the ``blank_nodes`` descriptions compared as a collection;
- the home page's schema.org markup, which gives its own host's addresses (each server has its
  port), compared with the host replaced.

Everything else, and each question's answer, must be equal byte for byte.
"""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.publish.release import verify
from kg.questions import QUESTIONS
from kg.rdf.namespaces import ID
from kg.store.queries import canned_query
from tests.conftest import running_server

VERSION = "0.1.0"
SAMPLE = f"""PREFIX pt: <https://w3id.org/peace-talks-kg/ontology#>
SELECT ?class ?resource (COUNT(*) AS ?triples)
WHERE {{
  VALUES ?class {{ pt:Actor pt:Position pt:Statement pt:SourceDocument pt:Event }}
  ?resource a ?class ; ?p ?o .
  FILTER (STRSTARTS(STR(?resource), "{ID}"))
}}
GROUP BY ?class ?resource
ORDER BY ?class DESC(?triples) ?resource
"""
"""Each kind of page's resources, those with the most triples first."""
PER_KIND = 3


@pytest.fixture(scope="module")
def servers(curated_root: Path, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The server on the build (``kg serve --root``) and the one on the unpacked release
    (``kg serve --dataset``, started in the release's folder), both real processes."""
    work = tmp_path_factory.mktemp("release-serve")
    root = work / "project"
    shutil.copytree(curated_root, root)
    made = CliRunner().invoke(
        cli, ["release", "--root", str(root), "--version", VERSION, "--date", "2026-12-01"]
    )
    assert made.exit_code == 0, made.output
    unpacked = work / "elsewhere" / VERSION
    shutil.copytree(root / "releases" / VERSION, unpacked)
    assert verify(unpacked) == []
    dataset = unpacked / "ptkg-all.nq"
    with (
        running_server("--root", str(root), cwd=root) as built,
        running_server("--dataset", str(dataset), cwd=unpacked) as released,
    ):
        yield built, released


def get(base: str, path: str) -> bytes:
    with urllib.request.urlopen(base + path, timeout=120) as reply:
        assert reply.status == 200, path
        return reply.read()


def rows(base: str, query: str) -> list[dict[str, str]]:
    """A SELECT query's rows on the server's /sparql endpoint, as ``{variable: value}``."""
    request = urllib.request.Request(
        base + "/sparql",
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=120) as reply:
        bindings = json.loads(reply.read())["results"]["bindings"]
    return [{name: cell["value"] for name, cell in row.items()} for row in bindings]


def sample_pages(base: str) -> list[str]:
    """The JSON twins of the :data:`PER_KIND` richest resources of each kind."""
    chosen: dict[str, list[str]] = {}
    for row in rows(base, SAMPLE):
        picked = chosen.setdefault(row["class"], [])
        if len(picked) < PER_KIND:
            picked.append(row["resource"])
    assert len(chosen) == 5, chosen
    return [f"/page/{iri.removeprefix(str(ID))}.json" for iris in chosen.values() for iri in iris]


def comparable(value: Any, path: str = "") -> Any:
    """A JSON twin with what may differ made equal (see the module docstring)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "blank_node":
                out[key] = "_:b"
            elif key == "blank_nodes":
                described = [comparable(d, f"{path}/{key}/*") for d in item.values()]
                out[key] = sorted(json.dumps(d, sort_keys=True) for d in described)
            else:
                out[key] = comparable(item, f"{path}/{key}")
        return out
    if isinstance(value, list):
        return [comparable(item, path) for item in value]  # in the page's order: it has one
    return value


def test_the_unpacked_release_shows_the_same_pages(servers):
    built, released = servers
    home = [get(base, "/").decode("utf-8").replace(base, "http://host") for base in servers]
    assert home[0] == home[1]
    assert "Peace Talks KG" in home[0]

    pages = sample_pages(released)
    assert pages == sample_pages(built)
    assert any(p.startswith("/page/statement/") for p in pages)
    for page in pages:
        twins = [json.loads(get(base, page)) for base in servers]
        assert twins[0]["iri"].startswith(str(ID)), page
        assert comparable(twins[0]) == comparable(twins[1]), page


def questions_asked(base: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Every question, for every party of the data (every position for ``timeline``)."""
    parties = [row["party"] for row in rows(base, canned_query("ask-parties"))]
    positions = [row["position"] for row in rows(base, canned_query("ask-positions"))]
    assert parties and positions
    yield "conflicts", {"at": "2025"}
    for position in positions:
        yield "timeline", {"position": position}
    for party in parties:
        yield "position", {"party": party, "at": "2025"}
        yield "persisted", {"party": party, "from": "2022", "to": "2025", "mode": "in-force"}
        for question in ("persisted", "added", "dropped", "re-emerged", "diff"):
            yield question, {"party": party, "from": "2022", "to": "2025"}


def test_the_unpacked_release_gives_every_question_the_same_answer(servers):
    built, released = servers
    asked = list(questions_asked(released))
    assert {question for question, _ in asked} == set(QUESTIONS)
    answered = 0
    for question, params in asked:
        path = f"/api/ask/{question}?" + urllib.parse.urlencode({**params, "limit": "all"})
        answer = get(released, path)
        assert answer == get(built, path), path
        answered += bool(json.loads(answer)["items"])
    assert answered > len(asked) // 2  # most of them are answers with items, not empty ones
