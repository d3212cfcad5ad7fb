"""One implementation, four faces: the Python API, ``kg ask --format json`` (a real process), ``GET /api/ask/…``
(a real ``kg serve`` process) and the shipped ``.rq`` file run directly by ``kg query`` give the same answers."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.pipeline.build import open_graph
from kg.questions import QUESTIONS, ask
from kg.store.queries import canned_query
from server.api import openapi_text
from tests.asking import fixture_build, fixture_store
from tests.conftest import REPO, running_server

CASES = [
    ("boundaries", "persisted", {"party": "alpha", "from": "2024-06-14", "to": "2025-07"}),
    (
        "boundaries",
        "persisted",
        {"party": "alpha", "from": "2024-06", "to": "2025-07..", "mode": "in-force"},
    ),
    ("withdrawal", "added", {"party": "alpha", "from": "2024-06", "to": "2025"}),
    ("withdrawal", "dropped", {"party": "alpha", "from": "2024-06", "to": "2025-01"}),
    ("withdrawal", "re-emerged", {"party": "alpha", "from": "2024-06", "to": "2025-07"}),
    ("withdrawal", "position", {"party": "alpha", "at": "2024-12"}),
    ("withdrawal", "diff", {"party": "alpha", "from": "2024-06", "to": "2025-01"}),
    ("conflicts", "conflicts", {"at": "2024-07-15"}),
    ("two-sources", "timeline", {"position": "a"}),
    ("as-of", "persisted", {"party": "alpha", "from": "2024-06", "to": "2025-07"}),
    ("as-of", "added", {"party": "alpha", "from": "2024-06", "to": "2025-07"}),
    ("packages", "persisted", {"party": "alpha", "from": "2024-06", "to": "2025-07"}),
    ("packages", "re-emerged", {"party": "beta", "from": "2022", "to": "2025"}),
    ("packages", "timeline", {"position": "part", "packages": "exclude"}),
    ("packages", "timeline", {"position": "part"}),
    ("drafts", "conflicts", {"at": "2022-06", "between": "all"}),
]
IDS = [f"{case}-{question}-{n}" for n, (case, question, _p) in enumerate(CASES)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("faces")


@pytest.fixture(scope="module")
def servers(folder):
    """One real server per fixture graph, started on first use."""
    started: dict[str, str] = {}
    stack = []
    try:

        def base(case: str) -> str:
            if case not in started:
                context = running_server("--dataset", str(fixture_build(case, folder)))
                started[case] = context.__enter__()
                stack.append(context)
            return started[case]

        yield base
    finally:
        for context in reversed(stack):
            context.__exit__(None, None, None)


def cli_json(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "kg", "ask", *args, "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def options(params: dict[str, str]) -> list[str]:
    return [arg for key, value in params.items() for arg in (f"--{key}", value)]


def http(base: str, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def direct(case: str, folder, question: str, params: dict[str, str]) -> set[tuple[str, str]]:
    """The .rq as a researcher would run it: VALUES line(s) uncommented and edited by hand (the
    LIMIT line left commented: every row), run by ``kg query``; the answer as (position, certainty)
    pairs."""
    found = ask(fixture_store(case, "oxigraph", folder), question, params)
    q = QUESTIONS[question]
    text = canned_query(q.query_name(params.get("mode")))
    values = {k: f"<{found.parameters[k]}>" for k in ("party", "position") if k in found.parameters}
    values.update({k: f'"{v}"^^xsd:date' for k, v in found.bounds.items()})
    for p in q.parameters:  # the choices, as the question's help says to bind them
        if p.kind == "choice":
            chosen, terms = found.parameters[p.name], dict(p.terms)
            for variable, when in p.binds:
                values[variable] = f"<{terms[chosen]}>" if terms else str(chosen == when).lower()
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# VALUES ") and "(" in stripped.split("{")[0]:
            names = stripped.split("(", 1)[1].split(")", 1)[0].split()
            row = " ".join(values.get(n.lstrip("?"), "UNDEF") for n in names)
            line = f"VALUES ({' '.join(names)}) {{ ({row}) }}"
        elif stripped.startswith("# VALUES ?"):
            name = stripped.split()[2].lstrip("?")
            if name in values:  # an optional parameter not asked for stays commented
                line = f"VALUES ?{name} {{ {values[name]} }}"
        lines.append(line)
    path = folder / f"{question}-direct.rq"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kg",
            "query",
            str(path),
            "--format",
            "json",
            "--dataset",
            str(fixture_build(case, folder)),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    bindings = json.loads(done.stdout)["results"]["bindings"]
    if question == "timeline":
        return {(b["statement"]["value"], "certain") for b in bindings if "earliest" in b}
    return {(b["position"]["value"], b["certainty"]["value"]) for b in bindings}


@pytest.mark.slow
@pytest.mark.parametrize(("case", "question", "params"), CASES, ids=IDS)
def test_four_faces_give_the_same_answer(folder, servers, case, question, params):
    python = ask(fixture_store(case, "oxigraph", folder), question, params).to_dict()
    assert python["items"] or question == "re-emerged" or python["undated"]
    cli = cli_json(question, *options(params), "--dataset", str(fixture_build(case, folder)))
    assert cli == python
    status, served = http(servers(case), f"/api/ask/{question}?{urllib.parse.urlencode(params)}")
    assert status == 200
    assert served == python
    if question == "timeline":
        expected = {(i["evidence"][0]["statement"], i["certainty"]) for i in python["items"]}
    else:
        expected = {(i["position"]["iri"], i["certainty"]) for i in python["items"]}
    assert direct(case, folder, question, params) == expected


def test_the_headline_question_on_the_curated_data_from_every_face(repo_server, curated_root):
    params = {"party": "russia", "from": "2024-06", "to": "2025-07", "mode": "in-force"}
    python = ask(open_graph(curated_root), "persisted", params).to_dict()
    assert sum(item["certainty"] == "certain" for item in python["items"]) == 3
    assert cli_json("persisted", *options(params), "--root", str(curated_root)) == python
    assert http(repo_server, f"/api/ask/persisted?{urllib.parse.urlencode(params)}") == (
        200,
        python,
    )


# --- the JSON API's errors and description ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        (
            "/api/ask/persisted?party=narnia&from=2024&to=2025",
            400,
            "unknown party 'narnia'; accepted: alpha",
        ),
        (
            "/api/ask/persisted?party=alpha&from=2024-13&to=2025",
            400,
            "from '2024-13' is not a calendar date",
        ),
        ("/api/ask/persisted?party=alpha&from=2025&to=2024", 400, "must start after from"),
        ("/api/ask/persisted?party=alpha&from=2024", 400, "needs the parameter 'to'"),
        (
            "/api/ask/persisted?party=alpha&from=2024&to=2025&mode=x",
            400,
            "not one of: attested, in-force",
        ),
        ("/api/ask/persisted?party=alpha&party=beta&from=2024&to=2025", 400, "given 2 times"),
        ("/api/ask/persisted?party=alpha&from=2024&to=2025&frm=1", 400, "takes no parameter 'frm'"),
        (
            "/api/ask/persisted?party=alpha&from=2024&to=2025&limit=0",
            400,
            "limit '0' is not a whole number from 1 to 10000, or all",
        ),
        (
            "/api/ask/conflicts?at=2024&offset=-1",
            400,
            "offset '-1' is not a whole number from 0 to 1000000000000",
        ),
        ("/api/ask/whatever", 404, "unknown question 'whatever'; accepted: persisted"),
    ],
)
def test_bad_parameters_get_a_400_with_a_message(folder, servers, path, status, message):
    code, body = http(servers("boundaries"), path)
    assert (code, body["ok"], body["status"]) == (status, False, status)
    assert message in body["error"]


def test_questions_and_openapi_describe_every_route(folder, servers):
    base = servers("boundaries")
    status, listed = http(base, "/api/questions")
    assert status == 200
    assert [q["name"] for q in listed["questions"]] == list(QUESTIONS)
    status, described = http(base, "/api/openapi.json")
    assert status == 200 and described == json.loads(openapi_text())
    assert described["openapi"].startswith("3.")
    paths = described["paths"]
    assert set(paths) == {"/api/questions", "/api/openapi.json"} | {
        f"/api/ask/{q}" for q in QUESTIONS
    }
    for name, question in QUESTIONS.items():
        parameters = {p["name"]: p for p in paths[f"/api/ask/{name}"]["get"]["parameters"]}
        for p in question.parameters:
            assert parameters[p.name]["required"] == p.required
            assert parameters[p.name]["description"] == p.help
            assert parameters[p.name]["schema"].get("default") == p.default
            if p.choices:
                assert parameters[p.name]["schema"]["enum"] == list(p.choices)
            for alias in p.aliases:
                assert alias in parameters
        assert set(parameters) == {p.name for p in question.parameters} | {
            a for p in question.parameters for a in p.aliases
        }


def test_the_app_routes_match_the_openapi_description(app):
    described = set(json.loads(openapi_text())["paths"])
    routes = {
        rule.rule.replace("<question>", "{question}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert routes == {"/api/questions", "/api/openapi.json", "/api/ask/{question}"}
    assert {p for p in described if not p.startswith("/api/ask/")} == routes - {
        "/api/ask/{question}"
    }
    assert {p.removeprefix("/api/ask/") for p in described if p.startswith("/api/ask/")} == set(
        QUESTIONS
    )
