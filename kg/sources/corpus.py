"""Where the source texts are: the corpus folder, outside the repository (the texts are
third-party articles the project may quote but not redistribute).

The folder is the first of: the ``--sources`` option a command was given, ``$PTKG_SOURCES``,
``$PTKG_SEEDS`` (the name the quote tests have always read, kept working), and otherwise none —
a command that needs the texts then says so instead of passing silently."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SOURCES_ENV = "PTKG_SOURCES"
"""The environment variable naming the corpus folder."""
SEEDS_ENV = "PTKG_SEEDS"
"""The older name of the corpus folder's variable, read after :data:`SOURCES_ENV`."""

NO_CORPUS = f"no corpus folder (set {SOURCES_ENV} or pass --sources DIR)"
"""How every command says that no corpus folder is configured."""


class NoCorpus(Exception):
    """No corpus folder is configured, or the configured one is not a folder."""


def corpus_folder(
    given: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The configured corpus folder (whether or not it exists), or None when none is."""
    if given is not None:
        return Path(given)
    env = os.environ if environ is None else environ
    for name in (SOURCES_ENV, SEEDS_ENV):
        if env.get(name):
            return Path(env[name])
    return None


def existing_corpus(given: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The configured corpus folder; :class:`NoCorpus` when none is configured or it is not a
    folder, with the message a command prints."""
    folder = corpus_folder(given, environ)
    if folder is None:
        raise NoCorpus(NO_CORPUS)
    if not folder.is_dir():
        raise NoCorpus(f"the corpus folder {folder} does not exist or is not a folder")
    return folder
