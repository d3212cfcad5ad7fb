"""``w3id/.htaccess``, the redirects proposed for https://w3id.org/peace-talks-kg/, replayed
(tests/htaccess.py) for every kind of IRI and each ``Accept``: the rule that answers, where it
sends the client, and that the target answers on the real server (127.0.0.1) with the media type
asked for."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.publish.jsonld import CONTEXT_IRI, context_document
from kg.rdf.namespaces import BASE
from tests.conftest import REPO, free_port, require, running_server
from tests.htaccess import Unsupported, parse, rewrite

HTACCESS = REPO / "w3id" / ".htaccess"
APACHE = Path("/usr/sbin/apache2")
APACHE_MODULES = Path("/usr/lib/apache2/modules")
APACHE_CONF = """ServerRoot {root}
Listen 127.0.0.1:{port}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule rewrite_module {modules}/mod_rewrite.so
User www-data
Group www-data
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
ServerName 127.0.0.1
DocumentRoot {root}/htdocs
<Directory {root}/htdocs>
  AllowOverride All
  Require all granted
</Directory>
"""
"""The least Apache that reads a w3id.org folder's .htaccess as w3id.org does (AllowOverride)."""
HOST = "https://peacetalks.example.org"
VERSION = "0.1.0"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
ACCEPTS = {
    # name: (Accept header, the data twin's suffix or None for the page, the media type served)
    "browser": (BROWSER, None, "text/html"),
    "any": ("*/*", None, "text/html"),
    "none": (None, None, "text/html"),
    "turtle": ("text/turtle", "ttl", "text/turtle"),
    "x-turtle": ("application/x-turtle;q=0.9", "ttl", "text/turtle"),
    "rdfxml": ("application/rdf+xml", "rdf", "application/rdf+xml"),
    "jsonld": ("application/ld+json", "jsonld", "application/ld+json"),
    "ntriples": ("application/n-triples", "nt", "application/n-triples"),
    "turtle-first": ("text/turtle, application/rdf+xml;q=0.5", "ttl", "text/turtle"),
}
THINGS = [
    "id/actor/russia",
    "id/position/ukrainian-withdrawal-from-four-regions",
    "id/statement/putin-2024-06-14-renounce-nato",
    "id/source/doc-000",
    "id/cameo/10",
    "id/pax/Ce",
    "graph/data/source-001.ttl",
]
DOCUMENTS = ["ontology", "shapes"]
RULES = parse(HTACCESS)


def expected(iri_path: str, suffix: str | None) -> str:
    """Where a thing's or a document's IRI should send a client asking for ``suffix``'s format
    (None: the page)."""
    if iri_path in DOCUMENTS:
        return f"/{iri_path}.{suffix or 'html'}"
    rest = iri_path.removeprefix("id/")
    return f"/page/{rest}" if suffix is None else f"/data/{rest}.{suffix}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def unfollowed(request: urllib.request.Request | str) -> tuple[int, Message]:
    """Status and headers of a request, no redirect followed."""
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as reply:
            return reply.status, reply.headers
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, exc.headers


def answer(base: str, path: str) -> tuple[int, str]:
    """Status and media type of a GET on the running server (no redirect followed)."""
    status, headers = unfollowed(base + path)
    return status, headers.get_content_type()


@pytest.fixture(scope="module")
def server(curated_root: Path, tmp_path_factory) -> str:
    """The real server on a copy of the curated project that has one release."""
    root = tmp_path_factory.mktemp("w3id") / "project"
    shutil.copytree(curated_root, root)
    made = CliRunner().invoke(
        cli, ["release", "--root", str(root), "--version", VERSION, "--date", "2026-12-01"]
    )
    assert made.exit_code == 0, made.output
    with running_server("--root", str(root)) as base:
        yield base


@pytest.mark.parametrize("accept", ACCEPTS, ids=str)
@pytest.mark.parametrize("iri_path", [*THINGS, *DOCUMENTS], ids=str)
def test_things_and_documents_redirect_303_to_the_page_or_data_by_accept(server, iri_path, accept):
    header, suffix, media = ACCEPTS[accept]
    redirect = rewrite(RULES, iri_path, header)
    assert redirect is not None and redirect.status == 303
    target = expected(iri_path, suffix)
    assert redirect.location == HOST + target, redirect.line
    assert answer(server, target) == (200, media)


@pytest.mark.parametrize(
    ("iri_path", "target", "media"),
    [
        ("ontology.ttl", "/ontology.ttl", "text/turtle"),
        ("shapes.jsonld", "/shapes.jsonld", "application/ld+json"),
        ("context.jsonld", "/context.jsonld", "application/ld+json"),
        ("release/", "/release/", "text/html"),
        (f"release/{VERSION}/", f"/release/{VERSION}/", "text/html"),
        (f"release/{VERSION}/ptkg.ttl", f"/release/{VERSION}/ptkg.ttl", "text/turtle"),
        (f"release/{VERSION}/void.ttl", f"/release/{VERSION}/void.ttl", "text/turtle"),
        (
            f"release/{VERSION}/ptkg.jsonld",
            f"/release/{VERSION}/ptkg.jsonld",
            "application/ld+json",
        ),
        (
            f"release/{VERSION}/ro-crate-metadata.json",
            f"/release/{VERSION}/ro-crate-metadata.json",
            "application/ld+json",
        ),
        (
            "np/putin-2024-06-14-renounce-nato",
            "/np/putin-2024-06-14-renounce-nato",
            "application/trig",
        ),
        (
            f"release/{VERSION}/ptkg-all.nq",
            f"/release/{VERSION}/ptkg-all.nq",
            "application/n-quads",
        ),
        ("", "/", "text/html"),
    ],
    ids=lambda x: x or "root",
)
@pytest.mark.parametrize("accept", ["browser", "turtle"])
def test_documents_releases_nanopubs_and_the_root_redirect_302_whatever_the_accept(
    server, iri_path, target, media, accept
):
    redirect = rewrite(RULES, iri_path, ACCEPTS[accept][0])
    assert redirect is not None and redirect.status == 302
    assert redirect.location == HOST + target, redirect.line
    assert answer(server, target) == (200, media)


def test_the_release_metadata_names_iris_the_rules_redirect(server):
    """The IRIs a release's void.ttl mints are the ones its folder is served under."""
    release_iri = f"{BASE}release/{VERSION}/ptkg.nq"
    redirect = rewrite(RULES, release_iri.removeprefix(BASE), None)
    assert redirect is not None
    assert answer(server, redirect.location.removeprefix(HOST)) == (200, "application/n-quads")


@pytest.mark.parametrize("accept", ["browser", "jsonld", "any"])
def test_the_context_iri_a_dump_references_resolves_to_the_context(server, accept):
    """``kg export --context IRI`` with the published context IRI (``CONTEXT_IRI``) writes a
    dump a JSON-LD processor reads only if that IRI resolves: the rules send it to the host's
    ``/context.jsonld``, which answers the context itself, as JSON-LD."""
    assert CONTEXT_IRI.startswith(BASE)
    redirect = rewrite(RULES, CONTEXT_IRI.removeprefix(BASE), ACCEPTS[accept][0])
    assert redirect is not None and redirect.status == 302
    assert redirect.location == f"{HOST}/context.jsonld", redirect.line
    target = server + redirect.location.removeprefix(HOST)
    with urllib.request.urlopen(target, timeout=30) as reply:
        assert reply.headers.get_content_type() == "application/ld+json"
        assert reply.read() == context_document()


def test_paths_outside_the_scheme_are_not_redirected():
    for path in ("id/", "sparql", "page/actor/russia", "ontologyx"):
        assert rewrite(RULES, path, "text/turtle") is None, path


def test_every_rule_is_reached_by_some_case():
    """No dead rule: each line that redirects is chosen for some IRI and Accept above."""
    paths = [*THINGS, *DOCUMENTS, "ontology.ttl", "context.jsonld", "release/x", "np/x", ""]
    used = {
        rewrite(RULES, path, header).line  # type: ignore[union-attr]
        for path in paths
        for header, _, _ in ACCEPTS.values()
    }
    assert used == {rule.line for rule in RULES}


def test_the_file_names_only_the_placeholder_host():
    text = HTACCESS.read_text()
    targets = {rule.target.split("/", 3)[2] for rule in RULES}
    assert targets == {"peacetalks.example.org"}
    assert "peacetalks.example.org" in (REPO / "w3id" / "README.md").read_text()
    assert text.count("RewriteRule") == len(RULES)


@pytest.mark.parametrize(
    "line",
    [
        "RewriteCond %{HTTP_USER_AGENT} curl [NC]",
        "RewriteCond %{HTTP_ACCEPT} !text/html [NC]",
        "RewriteRule ^x$ https://peacetalks.example.org/x [R=301,L]",
        "RewriteRule ^x$ https://peacetalks.example.org/x [R=303]",
        "RewriteRule ^x$ /x [PT]",
        "Redirect 303 /x https://peacetalks.example.org/x",
    ],
)
def test_the_replay_refuses_what_it_does_not_replay(tmp_path, line):
    path = tmp_path / ".htaccess"
    path.write_text(f"RewriteEngine on\n{line}\n")
    with pytest.raises(Unsupported):
        parse(path)


def test_or_joins_conditions_and_groups_are_anded(tmp_path):
    path = tmp_path / ".htaccess"
    path.write_text(
        "RewriteEngine on\n"
        "RewriteCond %{HTTP_ACCEPT} a/b [OR]\n"
        "RewriteCond %{HTTP_ACCEPT} c/d\n"
        "RewriteCond %{HTTP_ACCEPT} e/f [NC]\n"
        "RewriteRule ^(x)$ https://h/$1 [R=303,L]\n"
    )
    rules = parse(path)
    assert rewrite(rules, "x", "a/b, E/F") is not None
    assert rewrite(rules, "x", "c/d, e/f") is not None
    assert rewrite(rules, "x", "a/b") is None
    assert rewrite(rules, "x", "e/f") is None
    assert rewrite(rules, "x", "C/D, e/f") is None  # no NC on c/d


@pytest.fixture(scope="module")
def apache() -> str:
    """Debian's Apache on loopback, serving the .htaccess in ``/peace-talks-kg/`` as w3id.org
    does; its base URL."""
    require(APACHE.is_file(), "Debian's apache2 is not installed")
    root = Path(tempfile.mkdtemp(prefix="ptkg-apache-"))
    root.chmod(0o755)  # the workers run as www-data
    folder = root / "htdocs" / "peace-talks-kg"
    folder.mkdir(parents=True)
    shutil.copy(HTACCESS, folder / ".htaccess")
    for path in (root / "htdocs", folder, folder / ".htaccess"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    port = free_port()
    conf = root / "httpd.conf"
    conf.write_text(APACHE_CONF.format(root=root, port=port, modules=APACHE_MODULES))
    process = subprocess.Popen([str(APACHE), "-f", str(conf), "-DFOREGROUND"])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = root / "error.log"
                    raise RuntimeError(
                        log.read_text() if log.exists() else "apache2 failed"
                    ) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/peace-talks-kg/"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("accept", ACCEPTS, ids=str)
def test_apache_reads_the_file_as_the_replay_does(apache, accept):
    """The replay is checked against Apache itself: for every IRI and Accept above, the same
    status and Location."""
    header = ACCEPTS[accept][0]
    paths = [*THINGS, *DOCUMENTS, "ontology.ttl", "context.jsonld", "release/0.1.0/", "", "sparql"]
    for path in paths:
        replayed = rewrite(RULES, path, header)
        request = urllib.request.Request(
            apache + path, headers={"Accept": header} if header else {}
        )
        status, headers = unfollowed(request)
        assert (status, headers.get("Location")) == (
            (replayed.status, replayed.location) if replayed else (404, None)
        ), path
