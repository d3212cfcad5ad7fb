"""Every question's answer on the curated data, pinned byte for byte.

A grid of requests covers every question for every party of the curated data (and every position
for ``timeline``) over periods from 2022 to 2025. Their JSON answers are kept in
``tests/fixtures/answers/<question>.json``; a change to the code that changes one byte of one
answer fails here. When the data or a question's meaning changes on purpose, write the files
again and review the diff::

    PTKG_PIN_ANSWERS=1 .venv/bin/python -m pytest tests/test_pinned_answers.py

(the test then fails once, saying what it wrote, so that a pinning run never passes silently).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.questions import QUESTIONS, ask, render
from kg.store import open_store
from kg.store.queries import select

PINS = Path(__file__).parent / "fixtures" / "answers"
SPANS = (("2022", "2025"), ("2024", "2025.."), ("2024-06", "2025-07"), ("2025-05", "2025-07.."))
MOMENTS = ("2022", "2024-06", "2025", "2025-07")


@pytest.fixture(scope="module")
def store(curated_build):
    store = open_store("oxigraph")
    store.load_file(curated_build)
    return store


def _column(store, name: str) -> list[str]:
    return [str(row[0]) for row in select(store, name).rows]


def requests(store, question: str) -> Iterator[dict[str, str]]:
    """The grid of one question: every party (every position for ``timeline``), every span or
    moment, every mode, whole answers."""
    parties = _column(store, "ask-parties")
    if question == "timeline":
        for position in _column(store, "ask-positions"):
            yield {"position": position, "limit": "all"}
        return
    if question in ("position", "conflicts"):
        for at in MOMENTS:
            if question == "conflicts":
                yield {"at": at, "limit": "all"}
            for party in parties:
                yield {"party": party, "at": at, "limit": "all"}
        return
    modes = ("attested", "in-force") if question == "persisted" else (None,)
    for party in parties:
        for start, end in SPANS:
            for mode in modes:
                params = {"party": party, "from": start, "to": end, "limit": "all"}
                yield params | ({"mode": mode} if mode else {})


def answers(store, question: str) -> dict[str, object]:
    found: dict[str, object] = {}
    for params in requests(store, question):
        key = " ".join(f"{k}={v}" for k, v in params.items())
        found[key] = json.loads(render(ask(store, question, params), "json"))
    return found


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_every_answer_is_as_pinned(store, question):
    found = answers(store, question)
    assert found, f"the grid of {question} asked nothing"
    assert any(answer["items"] for answer in found.values()), f"every {question} answer is empty"
    path = PINS / f"{question}.json"
    written = json.dumps(found, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("PTKG_PIN_ANSWERS") == "1":
        PINS.mkdir(parents=True, exist_ok=True)
        path.write_text(written, encoding="utf-8")
        pytest.fail(f"wrote {len(found)} answers to {path}; unset PTKG_PIN_ANSWERS to check them")
    assert path.exists(), f"no pinned answers for {question}: run with PTKG_PIN_ANSWERS=1"
    pinned = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(found) == sorted(pinned), f"{question}: the grid of requests changed"
    for key, answer in found.items():
        assert answer == pinned[key], f"{question} {key}: the answer changed"
    assert written == path.read_text(encoding="utf-8")
