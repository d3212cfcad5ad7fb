"""CITATION.cff is valid Citation File Format 1.2.0, and .zenodo.json says the same: one
citation, whichever of the two a reader (or GitHub, or Zenodo) takes."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from kg import __version__
from tests.conftest import REPO

SCHEMA = json.loads((REPO / "tests" / "fixtures" / "cff" / "schema-1.2.0.json").read_text())
CITATION = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
ZENODO = json.loads((REPO / ".zenodo.json").read_text(encoding="utf-8"))
ZENODO_LICENSES = {"CC-BY-4.0": "cc-by-4.0"}
"""SPDX identifier (CFF) → Zenodo's licence id."""


def _errors(document: object) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_citation_cff_is_valid_cff_1_2_0():
    assert CITATION["cff-version"] == "1.2.0"
    assert _errors(CITATION) == []


def test_the_schema_check_rejects_what_cff_forbids():
    """The validation has teeth: a citation without authors, or with a field CFF does not
    define, fails it."""
    assert _errors({k: v for k, v in CITATION.items() if k != "authors"})
    assert _errors({**CITATION, "doi-ish": "10.0/none"})


def test_the_citation_invents_nobody():
    """No person, DOI or ORCID iD the repository does not name: the authors are the project's
    contributors as one entity, as LICENSE names them."""
    assert CITATION["authors"] == [{"name": "Peace Talks KG contributors"}]
    text = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    assert "doi" not in text.lower() and "orcid" not in text.lower()
    assert "The Peace Talks KG contributors" in (REPO / "LICENSE").read_text()


def test_the_citation_is_of_this_version_under_the_data_licence():
    assert CITATION["version"] == __version__
    assert CITATION["license"] == "CC-BY-4.0"
    assert CITATION["type"] == "dataset"
    assert "creativecommons.org/licenses/by/4.0/" in (REPO / "LICENSE-DATA").read_text()


@pytest.mark.parametrize(
    ("zenodo", "cff"),
    [
        ("title", lambda c: c["title"]),
        ("description", lambda c: " ".join(c["abstract"].split())),
        ("creators", lambda c: [{"name": a["name"]} for a in c["authors"]]),
        ("keywords", lambda c: c["keywords"]),
        ("version", lambda c: c["version"]),
        ("license", lambda c: ZENODO_LICENSES[c["license"]]),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_zenodo_metadata_agrees_with_the_citation(zenodo, cff):
    assert ZENODO[zenodo] == cff(CITATION)


def test_zenodo_deposits_a_dataset():
    assert ZENODO["upload_type"] == "dataset"
    assert ZENODO["license"] == "cc-by-4.0"
