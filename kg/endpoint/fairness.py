"""Share the query workers fairly: at most a few queries per client at once, and a bounded share
of the workers for clients whose queries keep running into the limits.

The worker pool has as many workers as cores, so without a per-client limit two slow queries
from one client would occupy both workers of a two-core server and every other caller would be
turned away. ``ClientQuota`` counts each client's queries that are running or waiting for a
worker and refuses one more beyond the limit; the web layer answers that refusal 429.

Who a client is: the address the connection came from. Behind a reverse proxy every request
comes from the proxy, so an operator may name the proxies to trust (``parse_proxies``); for a
request from one of them, the last address of ``X-Forwarded-For`` (the one that proxy appended)
identifies the client. A header from anyone else is ignored, since any client can send it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import threading
import time
from collections.abc import Callable, Iterator

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TooManyQueries(Exception):
    """The client already has its limit of queries running or waiting."""

    def __init__(self, client: str, limit: int) -> None:
        super().__init__(
            f"this client already has {limit} "
            f"{'query' if limit == 1 else 'queries'} running or waiting, this endpoint's "
            "limit per client"
        )
        self.client = client
        self.limit = limit


class HeavyClientsBusy(TooManyQueries):
    """The client's recent queries ran into the limits, and the workers such clients may share
    are all taken."""

    def __init__(self, client: str, shared: int) -> None:
        Exception.__init__(
            self,
            f"this client's recent queries ran into the endpoint's time or memory limit, and the "
            f"{shared} {'worker' if shared == 1 else 'workers'} such clients share "
            f"{'is' if shared == 1 else 'are'} busy",
        )
        self.client = client
        self.limit = shared


class ClientQuota:
    """At most ``limit`` queries per client at once (thread-safe). A client holds one unit from
    ``acquire`` until ``release``; clients holding nothing take no memory, so the table stays as
    small as the number of clients with queries in flight.

    A per-client limit alone cannot stop two clients from each holding a worker with a runaway
    query. So a client whose query was stopped at a limit (:meth:`penalise`) is *heavy* for
    ``cool_down`` seconds (each new stop starts them again), and heavy clients together hold at
    most ``heavy_limit`` queries: the other workers stay free for everyone else."""

    def __init__(
        self,
        limit: int,
        *,
        heavy_limit: int | None = None,
        cool_down: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError(f"the limit of queries per client must be at least 1, not {limit}")
        self.limit = limit
        self.heavy_limit = max(1, limit if heavy_limit is None else heavy_limit)
        self.cool_down = cool_down
        self._clock = clock
        self._held: dict[str, int] = {}
        self._heavy_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, client: str) -> None:
        """Count one more query for ``client``; raise TooManyQueries if it has its limit, or
        HeavyClientsBusy if it is heavy and heavy clients hold all they may."""
        with self._lock:
            held = self._held.get(client, 0)
            if held >= self.limit:
                raise TooManyQueries(client, self.limit)
            if self._is_heavy(client):
                heavy_held = sum(n for c, n in self._held.items() if self._is_heavy(c))
                if heavy_held >= self.heavy_limit:
                    raise HeavyClientsBusy(client, self.heavy_limit)
            self._held[client] = held + 1

    def release(self, client: str) -> None:
        """One of ``client``'s queries ended (answered, failed or refused by the pool)."""
        with self._lock:
            held = self._held.get(client, 0)
            if held < 1:
                raise RuntimeError(f"client {client!r} released a query it did not hold")
            if held == 1:
                del self._held[client]
            else:
                self._held[client] = held - 1

    def penalise(self, client: str) -> None:
        """``client``'s query was stopped at the time or memory limit: it is heavy for the next
        ``cool_down`` seconds."""
        with self._lock:
            now = self._clock()
            self._heavy_until = {c: t for c, t in self._heavy_until.items() if t > now}
            self._heavy_until[client] = now + self.cool_down

    def is_heavy(self, client: str) -> bool:
        """Whether ``client`` was penalised within the last ``cool_down`` seconds."""
        with self._lock:
            return self._is_heavy(client)

    def _is_heavy(self, client: str) -> bool:
        return self._heavy_until.get(client, float("-inf")) > self._clock()

    @contextlib.contextmanager
    def hold(self, client: str) -> Iterator[None]:
        """Hold one of ``client``'s units for the duration of the block."""
        self.acquire(client)
        try:
            yield
        finally:
            self.release(client)

    def held(self, client: str) -> int:
        """How many queries ``client`` has running or waiting now."""
        with self._lock:
            return self._held.get(client, 0)

    def clients(self) -> int:
        """How many clients have queries running or waiting now."""
        with self._lock:
            return len(self._held)


def parse_proxies(text: str | None) -> tuple[Network, ...]:
    """The trusted proxies of a setting: IP addresses or networks (``10.0.0.0/8``), separated by
    commas or spaces; empty or None trusts none. Raises ValueError naming the bad entry."""
    found: list[Network] = []
    for entry in (text or "").replace(",", " ").split():
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"trusted proxy {entry!r} is not an IP address or network (such as 127.0.0.1 "
                "or 10.0.0.0/8)"
            ) from None
    return tuple(found)


def client_address(
    remote: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str:
    """Who sent a request: ``remote`` (the connection's address), unless that is a trusted proxy
    that named the client as the last address of ``forwarded_for``. A header that holds no valid
    address there leaves the request counted against the proxy itself, never against a name the
    header made up."""
    if remote is None:
        return "unknown"
    if not trusted:  # no proxy to believe: the connection's address, as it is
        return remote
    peer = _address(remote)
    if peer is None or not any(peer in network for network in trusted):
        return remote
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    client = _address(hops[-1]) if hops else None
    return str(client if client is not None else peer)


def _address(text: str) -> IPAddress | None:
    """``text`` as an IP address (an IPv4-mapped IPv6 address as IPv4), or None."""
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found
