"""What the app reads of its graph once, read at start in a thread of its own: the questions'
index, the parties and positions the question forms offer, and the home page's facts.

Served from the build's on-disk store, each of these is slow the first time it is read at a
million triples (the questions' queries follow thousands of lifecycle entries through RocksDB;
listing the parties, or counting the graphs and the statements per source, scans seconds'
worth of the store), and none changes while the graph is served. So the app reads them once,
at start, in the background: the index into memory (``kg.pipeline.questions_index``), the
rest into what the app keeps of its graph (the questions' memo, the dataset facts). Nothing
waits for it: until a part is in, a request reads the store as it would have, and gets the same
answer. The thread takes the lowest priority (its parsing and the store's reads run without
Python's lock), so the app and its query workers start, and answer, as fast as without it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

from flask import Flask

from kg.pipeline.questions_index import QUERIES, index_of_store
from kg.questions.memo import Index, StoreMemo
from kg.store import OxigraphStore
from kg.store.remote import SparqlHttpStore
from server import EXTENSION
from server.questions import MEMO
from server.service import dataset_facts

THREAD = "ptkg.warm"
"""The thread that reads what the app keeps of its graph (in ``app.extensions``: a test waits
for it)."""

FORM_QUERIES = ("ask-parties", "ask-positions")
"""The canned queries whose rows the question forms offer as choices."""


def init_app(app: Flask) -> None:
    """Make the app's questions memo and start the thread that fills what the app keeps of a
    local graph (a remote one can change while it is served: nothing of it is kept)."""
    store = app.extensions[EXTENSION]
    if store.engine == SparqlHttpStore.engine:
        return
    memo = app.extensions[MEMO] = StoreMemo(store)
    folder = store.folder if isinstance(store, OxigraphStore) else None
    thread = threading.Thread(target=warm, args=(app, memo, folder), name=THREAD, daemon=True)
    app.extensions[THREAD] = thread
    thread.start()


def warm(app: Flask, memo: StoreMemo, folder: Path | None) -> None:
    """Read, at the lowest priority, the questions' index of the on-disk store in ``folder``
    (none for a store in memory, which is as fast) into ``memo``, then the forms' choices into
    it, then the home page's facts into the app. A failure is logged and leaves the rest to be
    read when first asked for."""
    with contextlib.suppress(AttributeError, OSError):  # this thread only (Linux); else as is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    try:
        if folder is not None:
            index = index_of_store(folder)
            if index is not None:
                memo.index = Index(index, QUERIES)
        for query in FORM_QUERIES:
            memo.rows(query)
        with app.app_context():
            dataset_facts()
    except Exception as exc:  # whatever stops it, each request reads what it needs
        logging.getLogger(__name__).warning("reading the graph at start stopped: %r", exc)
