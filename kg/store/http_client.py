"""HTTP to a SPARQL store, for queries (the remote store) and writes (``kg push``) alike: one
user agent, one timeout, HTTP Basic or Digest authentication, and every failure of the
connection a :class:`RemoteStoreError` that says what went wrong in one line."""

from __future__ import annotations

import base64
import http.client
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message

from kg.store.base import PartialResultError, RemoteStoreError

USER_AGENT = "peace-talks-kg"
AUTH_SCHEMES = ("digest", "basic")
"""The schemes a user may choose: answer the server's Digest challenge, or send Basic up front."""
ANY_CHALLENGE = "challenge"
"""The scheme of a store URL with a user in it: answer whichever of Digest or Basic is asked."""


@dataclass(frozen=True)
class Credentials:
    """A user and password, and how they are sent (a value of :data:`AUTH_SCHEMES` or
    :data:`ANY_CHALLENGE`)."""

    user: str
    password: str
    scheme: str = "digest"


@dataclass(frozen=True)
class Reply:
    """A successful answer: its status, body, media type (without parameters) and headers."""

    status: int
    body: bytes
    media: str
    headers: Message


class HttpStatusError(RemoteStoreError):
    """An answer with an error status; ``detail`` is the start of its body, on one line, for
    the caller to put in words fit for its request."""

    def __init__(self, method: str, url: str, status: int, reason: str, detail: str) -> None:
        super().__init__(f"{method} {url} failed ({status} {reason}): {detail}".rstrip(": "))
        self.status = status
        self.reason = reason
        self.detail = detail


class HttpClient:
    """Requests to one server. ``url`` is where the credentials apply (and every URL below it);
    ``place`` is how failures of the connection name the server (the request's URL when
    ``None``)."""

    def __init__(
        self,
        url: str,
        credentials: Credentials | None = None,
        *,
        timeout: float,
        place: str | None = None,
    ) -> None:
        self.timeout = timeout
        self.place = place
        self.headers: dict[str, str] = {"User-Agent": USER_AGENT}
        handlers: list[urllib.request.BaseHandler] = []
        if credentials is not None:
            if credentials.scheme not in (*AUTH_SCHEMES, ANY_CHALLENGE):
                raise ValueError(f"authentication must be one of {', '.join(AUTH_SCHEMES)}")
            if credentials.scheme == "basic":
                token = f"{credentials.user}:{credentials.password}".encode()
                self.headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
            else:
                passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                passwords.add_password(None, url, credentials.user, credentials.password)
                handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
                if credentials.scheme == ANY_CHALLENGE:
                    handlers.append(urllib.request.HTTPBasicAuthHandler(passwords))
        self._digest = next(
            (h for h in handlers if isinstance(h, urllib.request.HTTPDigestAuthHandler)), None
        )
        self._basic_token = (
            base64.b64encode(f"{credentials.user}:{credentials.password}".encode()).decode()
            if credentials is not None and credentials.scheme == ANY_CHALLENGE
            else None
        )
        self._opener = urllib.request.build_opener(*handlers)

    def send(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """The answer to one request; :class:`HttpStatusError` for an error status,
        :class:`PartialResultError` for a body cut off, :class:`RemoteStoreError` when the
        server cannot be reached or the connection fails."""
        request = urllib.request.Request(
            url, data=body, headers={**self.headers, **(headers or {})}, method=method
        )
        where = self.place or url
        if body and self._digest is not None:
            self._authorize(request, where)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                try:
                    data = response.read()
                except http.client.IncompleteRead as exc:
                    raise PartialResultError(
                        f"the answer of {url} was cut off after {len(exc.partial)} bytes"
                    ) from None
                return Reply(
                    response.status, data, response.headers.get_content_type(), response.headers
                )
        except urllib.error.HTTPError as exc:
            raise HttpStatusError(method, url, exc.code, exc.reason, _detail(exc)) from None
        except urllib.error.URLError as exc:
            raise RemoteStoreError(f"cannot reach {where}: {exc.reason}") from None
        except TimeoutError:
            raise RemoteStoreError(f"{where} did not answer within {self.timeout:g} s") from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise RemoteStoreError(f"the connection to {where} failed: {exc}") from None

    def _authorize(self, request: urllib.request.Request, where: str) -> None:
        """Answer the server's challenge before a request with a body is sent: a server that
        refuses a request for want of credentials may close the connection before reading a
        large body, so the body would never reach a second, authorised attempt. The challenge
        comes from a ``HEAD`` of the same URL; without one, the request goes as it is."""
        assert self._digest is not None
        probe = urllib.request.Request(request.full_url, headers=self.headers, method="HEAD")
        try:
            with urllib.request.build_opener().open(probe, timeout=self.timeout):
                return  # no credentials needed here
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code != 401:
                return
            challenges = exc.headers.get_all("WWW-Authenticate") or []
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException):
            raise RemoteStoreError(f"cannot reach {where}") from None
        for challenge in challenges:
            scheme, _, rest = challenge.partition(" ")
            if scheme.lower() == "digest":
                items = urllib.request.parse_keqv_list(
                    [i for i in urllib.request.parse_http_list(rest) if i]
                )
                answer = self._digest.get_authorization(request, items)
                if answer:
                    request.add_unredirected_header("Authorization", f"Digest {answer}")
                return
            if scheme.lower() == "basic" and self._basic_token:
                request.add_unredirected_header("Authorization", f"Basic {self._basic_token}")
                return


def _detail(exc: urllib.error.HTTPError) -> str:
    """The start of an error answer's body, on one line (empty if it cannot be read)."""
    try:
        text = exc.read().decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException):
        text = ""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())[:300]
