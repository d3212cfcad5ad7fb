"""The nanopublications' IRIs resolve: the real server answers ``/np/<name>`` with the very
nanopublication ``kg export --format nanopub`` writes from the same build (plain or trusty), as TriG
or N-Quads, sends a browser to the statement's page and a graph's IRI to its nanopublication."""

from __future__ import annotations

import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.publish.nanopub import is_trusty, nanopub_iri, parsed
from kg.publish.quads import Quad
from kg.rdf.namespaces import NANOPUB
from tests.conftest import REPO, running_server

CURATION = REPO / "tests" / "fixtures" / "datasets" / "curation.trig"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, accept: str | None = None, **headers: str) -> tuple[int, Message, bytes]:
    """Status, headers (names in any case) and body of a GET, no redirect followed."""
    request = urllib.request.Request(
        url, headers={**({"Accept": accept} if accept else {}), **headers}
    )
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=60) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read()


def exported(*args: str) -> dict[str, set[Quad]]:
    """The nanopublications ``kg export --format nanopub ARGS`` writes, by IRI."""
    result = CliRunner().invoke(cli, ["export", "--format", "nanopub", *args])
    assert result.exit_code == 0, result.output
    quads = parsed(result.stdout_bytes)
    by_graph: dict[str, set[Quad]] = {}
    for quad in quads:
        name = str(quad[3]).rsplit("/", 1)[0]
        by_graph.setdefault(name, set()).add(quad)
    return by_graph


@pytest.fixture(scope="module")
def served(curated_root: Path):
    with running_server("--root", str(curated_root)) as base:
        yield base


@pytest.fixture(scope="module")
def plain(curated_root: Path) -> dict[str, set[Quad]]:
    return exported("--root", str(curated_root))


@pytest.fixture(scope="module")
def trusty(curated_root: Path) -> dict[str, set[Quad]]:
    return exported("--root", str(curated_root), "--trusty")


def sample(nanopubs: dict[str, set[Quad]]) -> list[str]:
    names = sorted(nanopubs)
    return [names[0], names[len(names) // 2], names[-1]]


@pytest.mark.parametrize("accept", [None, "*/*", "application/trig", "application/n-quads"])
def test_a_nanopub_iri_answers_the_exported_nanopub(served, plain, accept):
    for iri in sample(plain):
        status, headers, body = get(served + "/np/" + iri.removeprefix(NANOPUB), accept)
        assert status == 200, body
        media = "application/n-quads" if accept == "application/n-quads" else "application/trig"
        assert headers["Content-Type"].split(";")[0] == media
        assert "Accept" in headers["Vary"]
        quads = parsed(body, ox.RdfFormat.N_QUADS if "n-quads" in media else ox.RdfFormat.TRIG)
        assert set(quads) == plain[iri]
        assert str(nanopub_iri(quads)) == iri


def test_a_trusty_iri_answers_the_trusty_nanopub_and_it_verifies(served, trusty):
    for iri in sample(trusty):
        status, _, body = get(served + "/np/" + iri.removeprefix(NANOPUB), "application/trig")
        assert status == 200, body
        quads = parsed(body)
        assert set(quads) == trusty[iri]
        assert is_trusty(quads, iri)


def test_a_browser_is_sent_to_the_statements_page(served, plain):
    iri = sample(plain)[0]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, _ = get(served + "/np/" + iri.removeprefix(NANOPUB), browser)
    assert status == 303
    location = headers["Location"]
    assert location == "/page/statement/" + iri.removeprefix(NANOPUB)
    assert get(served + location, browser)[0] == 200


def test_a_graph_of_a_nanopub_is_sent_to_the_nanopub_and_an_unknown_part_is_404(served, plain):
    name = sample(plain)[1].removeprefix(NANOPUB)
    for part in ("Head", "assertion", "provenance", "pubinfo"):
        status, headers, _ = get(f"{served}/np/{name}/{part}")
        assert (status, headers["Location"]) == (303, f"/np/{name}")
    status, headers, body = get(f"{served}/np/{name}/nothing", "application/json")
    assert status == 404 and b"has no 'nothing'" in body


def test_an_unknown_nanopub_is_404_in_the_error_shape(served):
    status, headers, body = get(served + "/np/no-such-statement", "application/json")
    assert status == 404
    assert headers["Content-Type"].startswith("application/json")
    assert b'"ok":false' in body.replace(b" ", b"") and b"no-such-statement" in body


def test_a_nanopub_is_cached_by_etag_and_refused_in_a_format_not_offered(served, plain):
    url = served + "/np/" + sample(plain)[2].removeprefix(NANOPUB)
    status, headers, _ = get(url, "application/trig")
    assert status == 200 and headers["ETag"].startswith('W/"')
    assert "max-age" in headers["Cache-Control"]
    again = get(url, "application/trig", **{"If-None-Match": headers["ETag"]})
    assert again[0] == 304
    assert get(url, "image/png")[0] == 406


def test_withdrawn_statements_have_no_nanopub_to_serve():
    with running_server("--dataset", str(CURATION)) as base:
        current = get(base + "/np/putin-2024-07-14-renounce-nato", "application/trig")
        assert current[0] == 200
        for withdrawn in ("putin-2024-06-14-renounce-nato", "putin-2024-05-01-neutrality"):
            assert get(f"{base}/np/{withdrawn}", "application/trig")[0] == 404
