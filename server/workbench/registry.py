"""The registry of source texts (``/sources``) and registering a new one (``/sources/new``):
the text is pasted or uploaded, with its title, publication date, address and outlet, and
registered by :func:`kg.sources.add.add_source` (copied into the corpus folder, recorded in
``data/sources.ttl``, validated, or nothing kept)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, Response, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from kg.pipeline.load import LoadError
from kg.sources.add import NewSource, SourceRefused, add_source
from kg.sources.registry import SourceRecord
from server.workbench import workbench
from server.workbench.reading import registry
from server.workbench.replies import reply, wants_json

bp = Blueprint("registry", __name__)

DETAILS = ("title", "published", "url", "outlet", "language")
"""The form's fields that describe a text (as :class:`NewSource` names them)."""


@bp.get("/")
def home() -> BaseResponse:
    return redirect(url_for("registry.sources"))


@bp.get("/sources.json")
@bp.get("/sources")
def sources() -> Response:
    bench = workbench()
    found = registry(bench.read().graph, bench.statement_classes)
    return reply("sources.html", {"sources": [asdict(s) for s in found]})


@bp.get("/sources/new.json")
@bp.get("/sources/new")
def new_source() -> Response:
    return reply("new_source.html", {"fields": [*DETAILS, "text"]}, values={}, problem=None)


@bp.post("/sources")
def register() -> Response | BaseResponse:
    """Register the pasted or uploaded text; the form again with the reason when refused."""
    values = {name: request.form.get(name, "").strip() for name in DETAILS}
    text = request.form.get("text", "").replace("\r\n", "\n")
    try:
        record = _register(_text_sent(text), values)
        problem = None
    except (SourceRefused, LoadError) as exc:
        problem = str(exc)
    if problem is not None:
        return reply(
            "new_source.html",
            {"ok": False, "error": problem},
            status=422,
            values={**values, "text": text},
            problem=problem,
        )
    name = str(record.iri).rsplit("/", 1)[-1]
    if wants_json():
        return reply(
            "new_source.html", {"ok": True, "source": str(record.iri), "file": record.file}, 201
        )
    return redirect(url_for("annotate.source", name=name), code=303)


def _text_sent(pasted: str) -> bytes:
    """The uploaded file's bytes, else the pasted text's; :class:`SourceRefused` for neither."""
    upload = request.files.get("upload")
    if upload is not None and upload.filename:
        return upload.read()
    if not pasted.strip():
        raise SourceRefused("give the text: paste it or upload a UTF-8 text file")
    return pasted.encode("utf-8")


def _register(data: bytes, values: dict[str, str]) -> SourceRecord:
    """Write the text where :func:`add_source` reads it — a temporary file in the corpus folder,
    the only folder besides the project the workbench writes in — and register it."""
    bench = workbench()
    details = NewSource(**{k: v or None for k, v in values.items()})  # type: ignore[arg-type]
    fd, name = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=bench.corpus)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with bench.save_lock:
            record = add_source(Path(name), bench.corpus, details, bench.root)
        bench.warm()
        return record
    except SourceRefused as refused:  # it names the temporary file: name the text instead
        message = str(refused).replace(name, "the text")
        raise SourceRefused(message, refused.validation) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
