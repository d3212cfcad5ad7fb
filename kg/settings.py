"""The settings of the web service and the commands, one record each: where its name,
environment variable, type, default, unit and documentation are written down once.

Everything else is generated from these records: the ``kg serve`` options (``kg.cli.options``),
the Flask app's defaults and its reading of the environment (``server.create_app``), and the
limits the SPARQL service description states (``server.service``). A test checks that README.md
documents each one, so a new setting cannot stay a secret.

A setting's environment variable is also its key in the app's config, so a WSGI deployment that
builds the app itself (``create_app({...})``) uses the names an operator reads in README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from kg.curation.curators import CURATOR_ENV
from kg.endpoint.fairness import parse_proxies
from kg.pipeline.load import ROOT_ENV
from kg.publish.void import checked_contact
from kg.rdf.namespaces import BASE
from kg.sources.corpus import SEEDS_ENV, SOURCES_ENV
from kg.store import DEFAULT_ENGINE

Value = int | float | str | None
CONTACT_ENV = "PTKG_CONTACT"


@dataclass(frozen=True)
class Setting:
    """One setting of the web service or the commands.

    ``option`` is the ``kg serve`` option generated from this record; it is None for the settings
    the commands take (``--root``, ``--dataset``, ``--store``, ``--sources``: ``kg.cli.options``)
    and for those only the environment sets. ``kind`` is the type values are converted to, ``unit`` what a value
    counts or names. ``doc`` is the option's help, ``default_text`` how that help tells a
    default that is not a plain value (one computed from other settings, say), and ``minimum``
    (exclusive when ``min_open``) what the option accepts. ``described_as`` names the property under
    which the service description states the value, with ``description`` as its comment; a value
    of 0 is then left out when ``zero_means_none``. ``check`` raises ValueError for a value the app
    would refuse, so that ``kg serve`` can refuse it as a usage error first."""

    name: str
    env: str
    kind: type
    default: Value
    doc: str
    option: str | None = None
    metavar: str | None = None
    unit: str | None = None
    minimum: float | None = None
    min_open: bool = False
    default_text: str | None = None
    described_as: str | None = None
    description: str | None = None
    zero_means_none: bool = False
    check: Callable[[str], object] | None = None

    def convert(self, value: Any) -> Any:
        """``value`` (as configured, or text from the environment) as this setting's type; None
        stays None (a default to be computed), and text settings are taken as given."""
        if value is None or self.kind is str:
            return value
        return self.kind(value)

    def told_default(self) -> str:
        """The default as ``--help`` and README.md tell it."""
        if self.default_text is not None:
            return self.default_text
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)

    def help(self) -> str:
        """The option's help: what it does, then its default."""
        return f"{self.doc} [default: {self.told_default()}]."


def public_url(value: str) -> str:
    """``value`` with one trailing slash, if it is an absolute http(s) URL without query or
    fragment; else ValueError saying what is wrong."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL such as https://example.org/kg/")
    if parts.query or parts.fragment:
        raise ValueError(f"{value!r} has a query or fragment; give the address only")
    return value.rstrip("/") + "/"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "root",
        ROOT_ENV,
        str,
        None,
        "The project folder",
        unit="folder",
        default_text="the working directory or a parent of it",
    ),
    Setting(
        "dataset",
        "PTKG_DATASET",
        str,
        None,
        "Serve this RDF file instead of the project's build",
        unit="file",
        default_text="the project's build",
    ),
    Setting(
        "store",
        "PTKG_STORE",
        str,
        DEFAULT_ENGINE,
        "The query engine, oxigraph or rdflib, or a remote SPARQL store as "
        "sparql+http(s)://HOST:PORT/PATH",
    ),
    Setting(
        "sources",
        SOURCES_ENV,
        str,
        None,
        "The corpus folder holding the source texts, which kg validate and kg sources check "
        "(the commands' --sources)",
        unit="folder",
        default_text=f"${SEEDS_ENV}, else none (the texts are then not checked)",
    ),
    Setting(
        "curator",
        CURATOR_ENV,
        str,
        None,
        "Who records what kg import writes: a curator's name or ORCID iD (the command's "
        "--curator); the curation tools refuse to write a record without one",
        unit="name",
        default_text="none (kg import then refuses)",
    ),
    Setting(
        "base",
        "PTKG_BASE",
        str,
        BASE,
        "The IRI namespace the server dereferences, mapped to its root /",
        unit="IRI",
    ),
    Setting(
        "contact",
        CONTACT_ENV,
        str,
        None,
        "Where the dataset's users reach its maintainers, an https:// or mailto: address: the "
        "vCard of the dcat:contactPoint in /.well-known/void and in kg release's void.ttl",
        unit="address",
        default_text="none (the contact point then names the contributors only)",
        check=checked_contact,
    ),
    Setting(
        "query_timeout",
        "PTKG_QUERY_TIMEOUT",
        float,
        30.0,
        "Seconds a /sparql query may take, waiting for a worker included, before it is stopped",
        option="--timeout",
        unit="s",
        minimum=0,
        min_open=True,
        described_as="queryTimeout",
        description="Seconds a query may take, waiting for a worker included, before it is "
        "stopped.",
    ),
    Setting(
        "max_rows",
        "PTKG_MAX_ROWS",
        int,
        10_000,
        "Most rows (or triples) in a /sparql answer; the rest are cut",
        option="--max-rows",
        unit="rows",
        minimum=1,
        described_as="maxResultRows",
        description="Most rows (or triples) a result holds; the rest are cut and the response "
        "carries X-PTKG-Truncated: true.",
    ),
    Setting(
        "max_request_bytes",
        "PTKG_MAX_REQUEST_BYTES",
        int,
        64 * 1024,
        "Largest /sparql request body or query string",
        option="--max-request-bytes",
        unit="bytes",
        minimum=1,
        described_as="maxRequestBytes",
        description="Largest request body or query string accepted.",
    ),
    Setting(
        "workers",
        "PTKG_QUERY_WORKERS",
        int,
        2,  # the pool takes no more than the cores: 1 on a single core
        "Processes running /sparql queries, at most one per core",
        option="--workers",
        unit="processes",
        minimum=1,
        described_as="queryWorkers",
        description="Queries run at the same time, each in its own process.",
    ),
    Setting(
        "max_memory",
        "PTKG_MAX_MEMORY",
        int,
        2048,
        "Megabytes of memory a /sparql query may take beyond the loaded data; a query needing "
        "more is stopped (503); 0: no limit",
        option="--max-memory",
        metavar="MB",
        unit="MB",
        minimum=0,
        described_as="maxQueryMemory",
        description="Megabytes of memory a query may take beyond the loaded data; a query needing "
        "more is stopped. Not stated when there is no limit.",
        zero_means_none=True,
    ),
    Setting(
        "max_waiting",
        "PTKG_MAX_WAITING",
        int,
        None,  # kg.endpoint.workers.QueryPool: four per worker
        "/sparql queries that may wait for a free worker; more get 503 with Retry-After",
        option="--max-waiting",
        unit="queries",
        minimum=0,
        default_text="four per worker",
        described_as="maxWaitingQueries",
        description="Queries that may wait for a free worker; more are refused with 503 and "
        "Retry-After.",
    ),
    Setting(
        "max_queries_per_client",
        "PTKG_MAX_QUERIES_PER_CLIENT",
        int,
        None,  # server.sparql.init_app: one less than the workers, at least 1
        "/sparql queries one client may have running or waiting at once; more get 429",
        option="--max-queries-per-client",
        unit="queries",
        minimum=1,
        default_text="one less than the workers, at least 1",
        described_as="maxQueriesPerClient",
        description="Queries one client may have running or waiting at once; more are refused "
        "with 429 Too Many Requests.",
    ),
    Setting(
        "trusted_proxy",
        "PTKG_TRUSTED_PROXY",
        str,
        "",
        "Reverse proxies (comma-separated IP addresses or networks) whose X-Forwarded-For names "
        "the client, its last address counting",
        option="--trusted-proxy",
        metavar="ADDRESSES",
        default_text="none; the client is the connection's address",
        check=parse_proxies,
    ),
    Setting(
        "public_url",
        "PTKG_PUBLIC_URL",
        str,
        None,
        "The address the service is reached at from outside (https://HOST/PATH/), written in "
        "every absolute URL it answers with",
        option="--public-url",
        metavar="URL",
        default_text="the request's own, or what a trusted proxy forwards "
        "(X-Forwarded-Proto, -Host, -Prefix)",
        check=public_url,
    ),
    Setting(
        "cache_max_age",
        "PTKG_CACHE_MAX_AGE",
        int,
        300,
        "Seconds a browser or cache may reuse a page, data document or download before asking "
        "again (with its ETag)",
        option="--cache-max-age",
        unit="s",
        minimum=0,
    ),
    Setting(
        "access_log",
        "PTKG_ACCESS_LOG",
        str,
        None,
        "Where kg serve writes the access log (logger ptkg.access), a line per request: a file, "
        "appended to, or - for stderr",
        option="--access-log",
        metavar="FILE",
        default_text="none",
    ),
)
"""Every setting, in the order ``kg serve --help`` and the service description list them."""

BY_NAME: Mapping[str, Setting] = {setting.name: setting for setting in SETTINGS}


def defaults() -> dict[str, Value]:
    """The app's config before anything is set: each setting's default under its key."""
    return {setting.env: setting.default for setting in SETTINGS}


def from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings ``environ`` sets (as text, converted later with the rest of the config)."""
    return {setting.env: environ[setting.env] for setting in SETTINGS if setting.env in environ}


def converted(config: Mapping[str, Any]) -> dict[str, Any]:
    """Each setting's value in ``config`` as its type."""
    return {setting.env: setting.convert(config[setting.env]) for setting in SETTINGS}


def with_options() -> tuple[Setting, ...]:
    """The settings ``kg serve`` has an option for, in order."""
    return tuple(setting for setting in SETTINGS if setting.option)


def described() -> tuple[Setting, ...]:
    """The settings the service description states, in order."""
    return tuple(setting for setting in SETTINGS if setting.described_as)


def from_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """The app config that options given by name (``query_timeout=…``) set; an option left out
    (None) leaves the environment's value or the default."""
    return {BY_NAME[name].env: value for name, value in values.items() if value is not None}


def env_list(settings: Iterable[Setting]) -> str:
    """``A, B and C``: the environment variables of ``settings``, for a sentence."""
    names = [setting.env for setting in settings]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
