"""The source registry: ``kg sources add / list / check``, the corpus folder setting, and ``kg
validate`` checking the texts — in a copy of the project with a corpus folder of its own (the
real texts copied in, plus a text the test writes), so that nothing here touches data/ or the
shared texts."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.cli import cli
from kg.rdf.namespaces import PT
from kg.sources.check import check_sources
from kg.sources.corpus import SEEDS_ENV, SOURCES_ENV, corpus_folder
from kg.sources.registry import SOURCE, SourceRecord, record_of, record_turtle, records
from tests.sources import data_graph, seeds_folder
from tests.test_build_watch import copy_project

NOTE = "note: source texts not checked: no corpus folder (set PTKG_SOURCES or pass --sources DIR)"
TEXT = "A test text, not an article.\nIt says that talks will resume in June.\n"


@pytest.fixture(autouse=True)
def no_corpus_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test says where its corpus folder is; the environment's is not used."""
    monkeypatch.delenv(SOURCES_ENV, raising=False)
    monkeypatch.delenv(SEEDS_ENV, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(seeds_folder(), folder)
    return folder


@pytest.fixture
def text(tmp_path: Path) -> Path:
    path = tmp_path / "new.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def kg(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def snapshot(*folders: Path) -> dict[Path, bytes]:
    """Every file below ``folders`` with its bytes."""
    return {p: p.read_bytes() for f in folders for p in sorted(f.rglob("*")) if p.is_file()}


def test_the_five_records_have_their_texts_hash_and_language() -> None:
    found = records(data_graph())
    assert [r.iri for r in found] == [URIRef(f"{SOURCE}doc-00{n}") for n in range(5)]
    for record in found:
        assert record.language == "en"
        text = (seeds_folder() / str(record.file)).read_bytes()
        assert record.sha256 == hashlib.sha256(text).hexdigest()
    assert check_sources(data_graph(), seeds_folder()) == []


def test_a_written_record_reads_back_as_itself() -> None:
    record = SourceRecord(
        iri=URIRef(f"{SOURCE}doc-007"),
        file="007_0123456789abcdef.txt",
        sha256="0123456789abcdef" * 4,
        title='A "quoted" title',
        outlet=URIRef("https://w3id.org/peace-talks-kg/id/actor/time"),
        published=Literal("2025-06", datatype=XSD.gYearMonth),
        precision=PT.MonthPrecision,
        url=URIRef("https://example.org/a?b=1"),
        archived_url=URIRef("https://web.archive.org/web/2025/https://example.org/a"),
        language="uk",
        licence="quoted under fair dealing",
    )
    prefixes = "".join(
        f"@prefix {p}: <{n}> .\n"
        for p, n in [
            ("pt", PT),
            ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
            ("xsd", XSD),
            ("dcterms", "http://purl.org/dc/terms/"),
            ("actor", "https://w3id.org/peace-talks-kg/id/actor/"),
            ("source", SOURCE),
            ("schema", "https://schema.org/"),
            ("spdx", "http://spdx.org/rdf/terms#"),
        ]
    )
    graph = Graph().parse(data=prefixes + record_turtle(record, PT.NewsReport), format="turtle")
    assert record_of(graph, record.iri) == record


def test_the_corpus_folder_is_the_option_then_sources_then_seeds(tmp_path: Path) -> None:
    given, sources, seeds = tmp_path / "given", tmp_path / "sources", tmp_path / "seeds"
    both = {SOURCES_ENV: str(sources), SEEDS_ENV: str(seeds)}
    assert corpus_folder(given, both) == given
    assert corpus_folder(None, both) == sources
    assert corpus_folder(None, {SEEDS_ENV: str(seeds)}) == seeds
    assert corpus_folder(None, {}) is None


def test_an_added_text_is_copied_recorded_checked_and_listed(
    project: Path, corpus: Path, text: Path
) -> None:
    where = ("--root", project, "--sources", corpus)
    added = kg("sources", "add", text, "--title", "Talks resume", "--published", "2025-06",
               "--url", "https://example.org/talks", "--outlet", "time", "--language", "en", *where)  # fmt: skip
    assert added.exit_code == 0, added.output
    sha256 = hashlib.sha256(TEXT.encode()).hexdigest()
    name = f"005_{sha256[:16]}.txt"
    assert added.stdout == f"added {SOURCE}doc-005 {name}\n"
    assert (corpus / name).read_text(encoding="utf-8") == TEXT

    graph = Graph().parse(project / "data" / "sources.ttl", format="turtle")
    assert record_of(graph, URIRef(f"{SOURCE}doc-005")) == SourceRecord(
        iri=URIRef(f"{SOURCE}doc-005"),
        file=name,
        sha256=sha256,
        title="Talks resume",
        outlet=URIRef("https://w3id.org/peace-talks-kg/id/actor/time"),
        published=Literal("2025-06", datatype=XSD.gYearMonth),
        precision=PT.MonthPrecision,
        url=URIRef("https://example.org/talks"),
        language="en",
    )
    assert kg("sources", "check", *where).exit_code == 0
    validated = kg("validate", *where)
    assert validated.exit_code == 0, validated.output
    assert "note:" not in validated.stderr
    listed = kg("sources", "list", *where)
    [row] = [line for line in listed.stdout.splitlines() if "source:doc-005" in line]
    assert row.split()[1:] == [name, "Talks", "resume", "2025-06", "yes", "ok"]


@pytest.mark.parametrize(
    ("case", "extra", "message"),
    [
        ("no corpus folder", ("--sources", "{tmp}/none"), "does not exist"),
        ("unreadable", ("{tmp}/missing.txt",), "cannot read"),
        ("not UTF-8", ("{tmp}/latin1.txt",), "is not UTF-8 text"),
        ("registered", ("{corpus}/002_5da6d8e6a93fb2e2.txt",), "registered already as"),
        ("bad date", ("--published", "2025-02-30"), "not a calendar date"),
        ("bad URL", ("--url", "example.org/a"), "--url"),
        ("bad archived URL", ("--archived-url", "https://a b"), "--archived-url"),
        ("bad language", ("--language", "English"), "BCP 47"),
        ("unknown outlet", ("--outlet", "The Daily Nowhere"), "add the outlet to data/actors.ttl"),
    ],
)
def test_each_refusal_writes_nothing(
    project: Path, corpus: Path, text: Path, case: str, extra: tuple[str, ...], message: str
) -> None:
    tmp = text.parent
    (tmp / "latin1.txt").write_bytes("Gespräche in Genf".encode("latin-1"))
    args = [a.format(tmp=tmp, corpus=corpus) for a in extra]
    if not args[0].startswith("--"):
        text, args = Path(args[0]), args[1:]
    before = snapshot(project, corpus)
    refused = kg("sources", "add", text, "--root", project, "--sources", corpus, *args)
    assert refused.exit_code == 2, (case, refused.output)
    [line] = refused.stderr.splitlines()
    assert line.startswith("error: ") and message in line, line
    assert "Traceback" not in refused.output
    assert snapshot(project, corpus) == before


def test_a_record_the_project_refuses_is_rolled_back(
    project: Path, corpus: Path, text: Path
) -> None:
    (project / "data" / "unlabelled.ttl").write_text(
        "<https://w3id.org/peace-talks-kg/id/source/cited> a "
        "<https://w3id.org/peace-talks-kg/ontology#CitedSource> .\n",
        encoding="utf-8",
    )
    before = snapshot(project, corpus)
    refused = kg("sources", "add", text, "--root", project, "--sources", corpus)
    assert refused.exit_code == 1
    assert "does not validate" in refused.stderr and "nothing was added" in refused.stderr
    assert snapshot(project, corpus) == before


def test_a_changed_text_fails_the_check_by_name(project: Path, corpus: Path) -> None:
    changed = corpus / "003_00eff6b607dc38ae.txt"
    recorded = hashlib.sha256(changed.read_bytes()).hexdigest()
    changed.write_bytes(changed.read_bytes() + b"\nAn added line.\n")
    actual = hashlib.sha256(changed.read_bytes()).hexdigest()
    (corpus / "stray.txt").write_text("no record names me", encoding="utf-8")

    checked = kg("sources", "check", "--root", project, "--sources", corpus)
    assert checked.exit_code == 1
    [line] = checked.stdout.splitlines()
    assert line.startswith(changed.name) and recorded in line and actual in line
    assert "warning: stray.txt: no record names this text" in checked.stderr
    assert kg("validate", "--root", project, "--sources", corpus).exit_code == 1


def test_a_missing_text_fails_the_check(project: Path, corpus: Path) -> None:
    (corpus / "004_0a8fe8cfe1556368.txt").unlink()
    checked = kg("sources", "check", "--root", project, "--sources", corpus)
    assert checked.exit_code == 1
    assert f"{SOURCE}doc-004: its text 004_0a8fe8cfe1556368.txt is not in" in checked.stdout


def test_without_a_corpus_folder_validate_says_so_and_check_refuses(project: Path) -> None:
    validated = kg("validate", "--root", project)
    assert validated.exit_code == 0
    assert NOTE in validated.stderr.splitlines()
    checked = kg("sources", "check", "--root", project)
    assert checked.exit_code == 2
    assert checked.stderr.startswith("error: no corpus folder")


def test_the_environment_names_the_corpus_folder(
    project: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SEEDS_ENV, str(corpus))
    assert kg("sources", "check", "--root", project).exit_code == 0
    validated = kg("validate", "--root", project)
    assert validated.exit_code == 0 and "note:" not in validated.stderr
    monkeypatch.setenv(SEEDS_ENV, str(project / "nowhere"))
    monkeypatch.setenv(SOURCES_ENV, str(corpus))
    assert kg("sources", "check", "--root", project).exit_code == 0
    (corpus / "000_5c185bcb0a4c3004.txt").unlink()
    assert kg("sources", "check", "--root", project).exit_code == 1
