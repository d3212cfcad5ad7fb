"""The address the service is reached at from outside, behind a reverse proxy.

Every absolute URL the app writes (the service description's ``sd:endpoint``, the VoID/DCAT
endpoint and dataset links, the base of a query) is built from the request's scheme, host and
script root, and every link and ``url`` field from its script root. Behind nginx those are the
proxy's connection to us (``http://127.0.0.1:5000``), not what the client used. Two ways to set
them right, both applied to the WSGI environment before Flask reads it:

- ``PTKG_PUBLIC_URL`` (``https://peacetalks.example.org/kg/``): every request is taken as made
  to that address, whatever its headers say. The simplest, and safe: no header can change it.
- otherwise, ``X-Forwarded-Proto``, ``X-Forwarded-Host`` and ``X-Forwarded-Prefix``, honoured
  (werkzeug's ``ProxyFix``) only on requests whose connection comes from a proxy named in
  ``PTKG_TRUSTED_PROXY``, the same list whose ``X-Forwarded-For`` names the client; from anyone
  else they are ignored, so a client cannot make the service write links to a host of its
  choosing.

With neither, nothing wraps the app and a request costs nothing more.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from kg import settings
from kg.endpoint.fairness import Network, parse_proxies

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


FORWARDING = (
    "forwarded",
    "x-forwarded-by",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-port",
    "x-forwarded-prefix",
    "x-forwarded-proto",
)
"""The header fields a reverse proxy sets about the client's request: the server passes none of
them to the app unless a proxy is trusted."""


class PublicAddress:
    """WSGI middleware: each request as made to ``public_url``."""

    def __init__(self, app: WSGIApplication, public_url: str) -> None:
        parts = urlsplit(public_url)
        self.app = app
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.prefix = parts.path.rstrip("/")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)


class TrustedForwarding:
    """WSGI middleware: ``ProxyFix`` for the scheme, host and prefix, on requests from a trusted
    proxy only (the client's address is left to ``kg.endpoint.fairness.client_address``)."""

    def __init__(self, app: WSGIApplication, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted
        self.fixed = ProxyFix(app, x_for=0, x_proto=1, x_host=1, x_port=0, x_prefix=1)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self._from_trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)

    def _from_trusted(self, remote: Any) -> bool:
        try:
            peer = ipaddress.ip_address(str(remote))
        except ValueError:
            return False
        return any(peer in network for network in self.trusted)


def init_app(app: Flask) -> None:
    """Wrap ``app``'s WSGI callable as its configuration asks (not at all by default); a
    ``PTKG_PUBLIC_URL`` that is no http(s) address is a ValueError."""
    public_url = app.config["PTKG_PUBLIC_URL"]
    if public_url:
        public_url = app.config["PTKG_PUBLIC_URL"] = settings.public_url(public_url)
        app.wsgi_app = PublicAddress(app.wsgi_app, public_url)  # type: ignore[method-assign]
        return
    trusted = parse_proxies(app.config["PTKG_TRUSTED_PROXY"])
    if trusted:
        app.wsgi_app = TrustedForwarding(app.wsgi_app, trusted)  # type: ignore[method-assign]
