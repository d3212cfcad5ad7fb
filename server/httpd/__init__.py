"""The HTTP/1.1 server that ``kg serve`` and ``kg curate`` run their app under.

Requests are read in one event loop, and only a request that has arrived whole, body and all,
reaches a thread that calls the app; the thread writes the answer as far as the socket takes it
at once, and leaves the rest to the loop. So a client that sends its request or reads its answer
slowly holds no thread, only the app's own work does, and an answer costs one hand-off between
threads. What a client can rely on:

- a request that breaks the protocol or is too large is answered here, in the app's error shape
  (``{"ok": false, "status", "error"}``), and the connection closed: 400 (framing, bare CR or LF,
  folded or malformed header fields, a Content-Length that is not one number, both a
  Content-Length and chunked), 413 (a body over the limit, refused from its Content-Length before
  it is read, or as soon as a chunked body passes it), 431 (header fields over the limit), 501
  (a transfer coding other than chunked), 505 (not HTTP/1.x);
- a request must arrive whole within a deadline from its first byte (408 after it), a kept-alive
  connection without a request is closed after a while, and so is one whose client takes none
  of its answer;
- a client that shuts its side of the connection after its request (half-close) is answered
  before the connection is closed; pipelined requests are answered in order; an HTTP/1.0 client
  keeps its connection only when it asks to; ``Expect: 100-continue`` is answered;
- header fields whose name has an underscore never reach the app (``X_Forwarded_For`` would be
  read as ``X-Forwarded-For``), nor do those the server is told to drop.

Linux only (epoll).
"""

from server.httpd.serving import HTTPServer, Limits

__all__ = ["HTTPServer", "Limits"]
