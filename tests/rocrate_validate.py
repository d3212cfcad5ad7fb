"""Run the RO-Crate validator (``rocrate-validator``, of the ``roc-validator`` package) on a crate
folder, offline, and print its verdict as one JSON object: ``passed`` and the ``issues``
(severity, check, message) at or above the severity asked for.

The validator reads the crate with rdflib's JSON-LD parser, which fetches the crate's
``@context`` over HTTP. Here its fetches go to :class:`VendoredContexts`, which answers the
RO-Crate context IRI with the copy vendored in ``tests/fixtures/rocrate/`` and refuses every other
address, as a JSON-LD document loader with a local cache would. The validator's own HTTP
look-ups run in its offline mode, from its cache, into which the same copies are put first (a
miss is a RECOMMENDED-level finding here, such as whether the release IRI resolves).

Usage: ``python tests/rocrate_validate.py CRATE_FOLDER PROFILE SEVERITY CACHE_FOLDER``.
"""

from __future__ import annotations

import email.message
import io
import json
import sys
import urllib.error
import urllib.request
import urllib.response
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rocrate"
CONTEXTS = {"https://w3id.org/ro/crate/1.2/context": FIXTURES / "context-1.2.jsonld"}
"""The context IRIs answered, and the vendored file each is answered with."""


class VendoredContexts(urllib.request.BaseHandler):
    """A urllib handler that answers the vendored contexts and refuses any other address."""

    def http_open(self, request: urllib.request.Request) -> urllib.response.addinfourl:
        return self._answer(request)

    def https_open(self, request: urllib.request.Request) -> urllib.response.addinfourl:
        return self._answer(request)

    @staticmethod
    def _answer(request: urllib.request.Request) -> urllib.response.addinfourl:
        path = CONTEXTS.get(request.full_url)
        if path is None:
            raise urllib.error.URLError(f"offline: no vendored copy of {request.full_url}")
        headers = email.message.Message()
        headers["Content-Type"] = "application/ld+json"
        return urllib.response.addinfourl(
            io.BytesIO(path.read_bytes()), headers, request.full_url, 200
        )


def _cache_contexts() -> None:
    """Put the vendored contexts into the validator's HTTP cache, as ``rocrate-validator cache
    warm`` puts what it fetches (its offline mode answers only from that cache): they are fetched
    once through :func:`_vendored_adapter`, the only transport the session is then given."""
    from rocrate_validator.utils.http import HttpRequester

    session = HttpRequester().session
    session.settings.only_if_cached = False
    session.mount("https://", _vendored_adapter())
    session.mount("http://", _vendored_adapter())
    for iri in CONTEXTS:
        session.get(iri).raise_for_status()
    session.settings.only_if_cached = True


def _vendored_adapter():
    """A requests transport that answers the vendored contexts and refuses any other address."""
    import requests
    import urllib3

    class Vendored(requests.adapters.HTTPAdapter):
        def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
            path = CONTEXTS.get(str(request.url))
            if path is None:
                raise requests.ConnectionError(f"offline: no vendored copy of {request.url}")
            raw = urllib3.HTTPResponse(
                body=io.BytesIO(path.read_bytes()),
                headers={"Content-Type": "application/ld+json"},
                status=200,
                preload_content=False,
                request_url=request.url,
            )
            return self.build_response(request, raw)

    return Vendored()


def main(folder: str, profile: str, severity: str, cache: str) -> None:
    opener = urllib.request.OpenerDirector()
    opener.add_handler(VendoredContexts())
    urllib.request.install_opener(opener)

    from rocrate_validator import services
    from rocrate_validator.models import Severity

    settings = services.ValidationSettings(
        rocrate_uri=folder,
        profile_identifier=profile,
        requirement_severity=Severity[severity],
        offline=True,
        cache_path=cache,
    )
    _cache_contexts()
    result = services.validate(settings)
    issues = [
        {
            "severity": issue.severity.name,
            "check": issue.check.identifier if issue.check else None,
            "message": issue.message,
        }
        for issue in result.get_issues()
    ]
    print(json.dumps({"passed": result.passed(), "issues": issues}))


if __name__ == "__main__":
    main(*sys.argv[1:])
