"""Outbound requests an unguarded engine would make: a loopback listener that counts them, and a
corpus of queries that hide a SERVICE call in the lexical corners where parsers disagree."""

from __future__ import annotations

import socket
import threading


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


def tricky_queries(port: int) -> list[str]:
    """Lexical forms on which parsers are known to, or could, disagree, each hiding a SERVICE
    call to the listener (or looking as if it did)."""
    url = f"http://127.0.0.1:{port}/"
    call = f"SERVICE SILENT <{url}> {{ ?a ?b ?c }}"
    ends = ["\r", "\n", "\r\n", "\u2028", "\u2029", "\u0085", "\f", "\v", "\\u000D", "\\u000A"]
    queries = [f"SELECT * WHERE {{ ?s ?p ?o # c{end} {call} \n}}" for end in ends]
    queries += [f"SELECT * WHERE {{ ?s ?p {obj}{call} }}" for obj in ("1", '"o"', "<http://e/o>")]
    queries += [
        f"SELECT * WHERE {{ ?s ?p ?o {keyword} SILENT <{url}> {{ ?a ?b ?c }} }}"
        for keyword in ("service", "SeRvIcE", "\\u0053ERVICE", "S\\u0045RVICE", "ſERVICE")
    ]
    queries += [
        f"PREFIX : <{url}> SELECT * WHERE {{ ?s ?p ?o SERVICE:x {{ ?a ?b ?c }} }}",
        f"PREFIX SERVICE: <{url}> SELECT * WHERE {{ ?s ?p ?o SERVICE:x {{ ?a ?b ?c }} }}",
        f"PREFIX s: <{url}> SELECT * WHERE {{ ?s ?p ?o SERVICE SILENT s:x {{ ?a ?b ?c }} }}",
        f"PREFIX service: <{url}> SELECT * WHERE {{ ?s ?p ?o . ?s ?p service:x }}",
        f"SELECT * WHERE {{ ?s ?p ?o.{call} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(true){call} }}",
        f"SELECT * WHERE {{ {{ {{ ?s ?p ?o }} }} {{ {call} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ ?s ?p ?o {call} }} }} }}",
        f"ASK {{ ?s ?p ?o FILTER EXISTS {{ {call} }} }}",
        f"CONSTRUCT {{ ?a ?b ?c }} WHERE {{ ?s ?p ?o {call} }}",
        f"SELECT * WHERE {{ ?s ?p ?o BIND(<{url}> AS ?u) FILTER(?o<?z)SERVICE?u#>\n{{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o BIND(<{url}> AS ?u) SERVICE SILENT ?u {{ ?a ?b ?c }} }}",
        f'SELECT * WHERE {{ ?s ?p ?o FILTER(?o != """a""""){call} }}',
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o != '''a\\''''){call} }}",
        f'SELECT * WHERE {{ ?s ?p ?o FILTER(?o != "a\\"") {call} }}',
        f'SELECT * WHERE {{ ?s ?p ?o FILTER(?o != "{call}") }}',  # inside a string: harmless
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o != <{url}SERVICE>) }}",  # inside an IRI: harmless
        f"SELECT ?service WHERE {{ ?s ?p ?service }} # {call}",  # in a comment: harmless
        f"SELECT * WHERE {{ ?s ?p ?o }} #\\u000A{call}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o != '\\u0027 {call} ') }}",
    ]
    return queries
