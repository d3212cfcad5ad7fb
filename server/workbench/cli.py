"""``kg curate``: the curation workbench under the project's HTTP server, a command of ``kg`` through the entry point
group ``kg.commands`` as ``kg serve`` is (``pyproject.toml``), so that the library never imports
the web app.

The workbench writes the project's data files and the corpus folder, so it listens only on a
loopback address unless told otherwise (``--allow-remote``): a curator's browser on the same
machine is its only intended client.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
from pathlib import Path

import click

from kg.cli.errors import fail, user_errors
from kg.cli.options import root_option, sources_option
from kg.curation.curators import CURATOR_ENV
from kg.pipeline.load import find_root
from kg.sources.corpus import NoCorpus, existing_corpus
from server.listening import ListenError, bind, listen_options, listening_port, run_server
from server.workbench import LOOPBACK_NAMES, create_app

THREADS = 4
"""One curator's browser: a few tabs and the pickers' requests."""


@click.command(
    short_help="the curation workbench: record statements from source texts in a browser",
)
@listen_options(port=5050)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Listen on a --host that is not a loopback address (anyone who reaches it can write "
    "the project's data).",
)
@click.option(
    "--curator",
    default=None,
    envvar=CURATOR_ENV,
    metavar="NAME|ORCID",
    help=f"Who the statements saved are recorded by: a curator's name or ORCID iD (default: "
    f"${CURATOR_ENV}); without either, the forms ask.",
)
@sources_option
@root_option
@user_errors
def curate(
    host: str,
    port: int,
    allow_remote: bool,
    curator: str | None,
    sources: Path | None,
    root: Path | None,
) -> None:
    """Start the curation workbench, a local web app: the registry of source texts, registering
    a new one, a text with its curated passages highlighted where a selected passage becomes a
    statement (speaker, party, stance, position, date, event, framing, note), a review of the
    changes since the last commit, and correcting or retracting a statement.

    Every save is written as canonical Turtle into the project's data files, validated at once
    and kept whole or not at all; it writes only there and in the corpus folder.
    """
    if not allow_remote and not is_loopback(host):
        fail(
            f"--host {host} is not a loopback address: the workbench writes the project's files, "
            "so it listens on 127.0.0.1 unless --allow-remote is given"
        )
    try:
        corpus = existing_corpus(sources)
    except NoCorpus as exc:
        fail(str(exc))
    project = (root or find_root()).resolve()
    sockets = _bind(host, port)
    port = listening_port(sockets, port)
    hosts = LOOPBACK_NAMES if not allow_remote else (*LOOPBACK_NAMES, host)
    app = create_app(
        {
            "WORKBENCH_ROOT": project,
            "WORKBENCH_CORPUS": corpus,
            "WORKBENCH_CURATOR": curator,
            "WORKBENCH_HOSTS": hosts,
            "WORKBENCH_WARM": True,
        }
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    for sock in sockets:
        sock.listen(64)
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"Curation workbench on http://{shown}:{port}/  (project {project}, corpus {corpus}, "
        f"curator {curator or 'asked in the forms'})"
    )
    run_server(
        app,
        sockets,
        threads=THREADS,
        max_request_bytes=app.config["MAX_CONTENT_LENGTH"],
        ident="peace-talks-kg-workbench",
    )


def is_loopback(host: str) -> bool:
    """True when every address ``host`` names is a loopback address (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]).split("%", 1)[0] for info in found}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def _bind(host: str, port: int) -> list[socket.socket]:
    try:
        return bind(host, port)
    except ListenError as exc:
        fail(str(exc))
