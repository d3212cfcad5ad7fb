"""Time the curation workbench's save: seconds from clicking save to the validated feedback.

    python bench/curate.py [--runs 5] [--sources DIR]

Starts the real ``kg curate`` process on 127.0.0.1 on a copy of the curated project and of the
corpus folder (``--sources``, else $PTKG_SOURCES / $PTKG_SEEDS), registers a text written for the
benchmark (labelled as made up in the text itself), then saves ``--runs`` statements from it over
HTTP as the page's form does (a GET of the page for its token and file hashes, then the POST), each
from another passage. A save's time is from sending the POST to receiving its answer: the
statement written as Turtle, the project validated with it, the page's answer made. The first save
may wait for the workbench's one full validation at start (it validates in the background from
then on only what a save changes). Printed: each save's seconds and their median, against the
target of 1 s.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 1.0
TEXT = (
    "BENCHMARK TEXT written to time the Peace Talks KG workbench; it is not a real news report.\n\n"
    + "".join(
        f"In remarks number {n}, Ukraine's foreign minister Andrii Sybiha said Kyiv was ready for "
        f"talks on prisoner exchanges round {n} if Moscow agreed.\n"
        for n in range(1, 21)
    )
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sources", type=Path, default=None)
    args = parser.parse_args()
    corpus = args.sources or Path(
        os.environ.get("PTKG_SOURCES") or os.environ.get("PTKG_SEEDS") or ""
    )
    if not corpus.is_dir():
        raise SystemExit("no corpus folder: pass --sources DIR or set PTKG_SOURCES")
    with tempfile.TemporaryDirectory(prefix="bench-curate-") as folder:
        work = Path(folder)
        for kind in ("ontology", "shapes", "data"):
            shutil.copytree(REPO / kind, work / "project" / kind)
        shutil.copytree(corpus, work / "corpus")
        seconds = run(work / "project", work / "corpus", args.runs)
    print("saves (s):", " ".join(f"{s:.3f}" for s in seconds))
    median = statistics.median(seconds)
    verdict = "under" if median < TARGET else "OVER"
    print(f"median of {len(seconds)}: {median:.3f} s ({verdict} the {TARGET:g} s target)")


def run(project: Path, corpus: Path, runs: int) -> list[float]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kg",
            "curate",
            "--port",
            str(port),
            "--root",
            str(project),
            "--sources",
            str(corpus),
            "--curator",
            "Benchmark Curator",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )
    try:
        _wait(opener, base)
        name = _register(opener, base)
        return [_save(opener, base, name, n) for n in range(1, runs + 1)]
    finally:
        process.terminate()
        process.wait(timeout=10)


def _save(opener: urllib.request.OpenerDirector, base: str, name: str, n: int) -> float:
    page = _json(opener, f"{base}/sources/{name}.json")
    quote = f"ready for talks on prisoner exchanges round {n} if Moscow agreed"
    start = TEXT.index(quote)
    form = {
        "csrf_token": page["csrf_token"],
        "expected": json.dumps(page["expected"]),
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "speaker": "Andrii Sybiha",
        "party": "Ukraine",
        "stance": "https://w3id.org/peace-talks-kg/ontology#Proposes",
        "position": "position:prisoner-exchanges",
        "date": "",
        "precision": "https://w3id.org/peace-talks-kg/ontology#UnknownDate",
        "note": f"Benchmark statement {n}.",
        "evidence_of": "new",
    }
    started = time.perf_counter()
    status, body = _post(opener, f"{base}/sources/{name}/statements", form)
    seconds = time.perf_counter() - started
    if status != 201:
        raise SystemExit(f"save {n} answered {status}: {body[:500]}")
    return seconds


def _register(opener: urllib.request.OpenerDirector, base: str) -> str:
    token = _json(opener, f"{base}/sources.json")["csrf_token"]
    form = {"csrf_token": token, "title": "Benchmark text", "published": "2025-03", "text": TEXT}
    status, body = _post(opener, f"{base}/sources", form)
    if status != 201:
        raise SystemExit(f"registering the text answered {status}: {body[:500]}")
    return str(json.loads(body)["source"]).rsplit("/", 1)[-1]


def _json(opener: urllib.request.OpenerDirector, url: str) -> dict:
    with opener.open(urllib.request.Request(url, headers={"Accept": "application/json"})) as r:
        return json.loads(r.read())


def _post(opener: urllib.request.OpenerDirector, url: str, form: dict) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})
    try:
        with opener.open(request) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait(opener: urllib.request.OpenerDirector, base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _json(opener, base + "/sources.json")
            return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise SystemExit(f"kg curate did not answer on {base}") from None
            time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


if __name__ == "__main__":
    main()
