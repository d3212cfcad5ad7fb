"""The per-client count of queries (kg.endpoint.fairness): the limit holds under concurrent callers, a
release frees a place, and who the client is comes from X-Forwarded-For only on a trusted
proxy's word. The endpoint's 429 is tested on a real server in test_sparql_limits.py."""

from __future__ import annotations

import threading

import pytest

from kg.endpoint.fairness import (
    ClientQuota,
    HeavyClientsBusy,
    TooManyQueries,
    client_address,
    parse_proxies,
)


def test_a_client_gets_its_limit_and_no_more_while_others_are_counted_apart():
    quota = ClientQuota(2)
    quota.acquire("a")
    quota.acquire("a")
    with pytest.raises(TooManyQueries, match="already has 2 queries running or waiting"):
        quota.acquire("a")
    quota.acquire("b")  # another client is not affected
    quota.release("a")
    quota.acquire("a")  # a place came free
    assert (quota.held("a"), quota.held("b")) == (2, 1)


def test_released_clients_leave_nothing_behind():
    quota = ClientQuota(1)
    for client in ("a", "b", "c"):
        with quota.hold(client):
            assert quota.held(client) == 1
    assert quota.clients() == 0


def test_a_query_that_fails_still_gives_its_place_back():
    quota = ClientQuota(1)
    with pytest.raises(RuntimeError, match="boom"), quota.hold("a"):
        raise RuntimeError("boom")
    quota.acquire("a")


def test_a_release_without_an_acquire_is_a_bug_not_a_free_place():
    quota = ClientQuota(1)
    with pytest.raises(RuntimeError, match="did not hold"):
        quota.release("a")
    quota.acquire("a")
    with pytest.raises(TooManyQueries):
        quota.acquire("a")


def test_the_limit_holds_under_concurrent_callers():
    quota = ClientQuota(3)
    start = threading.Barrier(16)
    admitted: list[bool] = []
    lock = threading.Lock()

    def caller() -> None:
        start.wait()
        try:
            quota.acquire("a")
        except TooManyQueries:
            result = False
        else:
            result = True
        with lock:
            admitted.append(result)

    threads = [threading.Thread(target=caller) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted.count(True) == 3 and quota.held("a") == 3


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        ClientQuota(0)


def test_trusted_proxies_are_addresses_or_networks():
    assert [str(n) for n in parse_proxies("127.0.0.1, 10.0.0.0/8 ::1")] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    ]
    assert parse_proxies("") == () and parse_proxies(None) == ()
    with pytest.raises(ValueError, match=r"'proxy\.example' is not an IP address or network"):
        parse_proxies("127.0.0.1,proxy.example")


TRUSTED = parse_proxies("10.0.0.0/8")


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "client"),
    [
        ("127.0.0.1", "203.0.113.7", (), "127.0.0.1"),  # no proxy trusted: the header is ignored
        ("192.0.2.1", "203.0.113.7", TRUSTED, "192.0.2.1"),  # not from a trusted proxy
        ("10.1.2.3", "203.0.113.7", TRUSTED, "203.0.113.7"),
        ("10.1.2.3", "198.51.100.1, 203.0.113.7", TRUSTED, "203.0.113.7"),  # the proxy's hop
        ("::ffff:10.1.2.3", "203.0.113.7", TRUSTED, "203.0.113.7"),  # IPv4 mapped into IPv6
        ("10.1.2.3", "2001:DB8::1", TRUSTED, "2001:db8::1"),  # one spelling per address
        ("10.1.2.3", None, TRUSTED, "10.1.2.3"),  # no header: the proxy itself
        ("10.1.2.3", "203.0.113.7, unknown", TRUSTED, "10.1.2.3"),  # not an address
        ("10.1.2.3", "203.0.113.7:4711", TRUSTED, "10.1.2.3"),
        (None, "203.0.113.7", TRUSTED, "unknown"),
    ],
)
def test_the_client_is_the_connection_unless_a_trusted_proxy_names_it(
    remote, forwarded, trusted, client
):
    assert client_address(remote, forwarded, trusted) == client


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_clients_stopped_at_a_limit_share_a_bounded_number_of_workers():
    clock = Clock()
    quota = ClientQuota(1, heavy_limit=1, cool_down=60, clock=clock)
    quota.penalise("runaway")
    quota.penalise("bomb")
    quota.acquire("runaway")
    with pytest.raises(HeavyClientsBusy, match="ran into the endpoint's time or memory limit"):
        quota.acquire("bomb")  # the one worker heavy clients share is taken
    quota.acquire("good")  # everyone else still gets the other worker
    quota.release("runaway")
    quota.acquire("bomb")
    quota.release("bomb")
    quota.release("good")


def test_a_client_is_heavy_only_for_the_cool_down_after_its_last_stop():
    clock = Clock()
    quota = ClientQuota(2, heavy_limit=1, cool_down=60, clock=clock)
    quota.penalise("a")
    assert quota.is_heavy("a") and not quota.is_heavy("b")
    clock.now += 59
    quota.penalise("a")  # stopped again: the cool-down starts again
    clock.now += 59
    assert quota.is_heavy("a")
    clock.now += 2
    assert not quota.is_heavy("a")
    quota.acquire("a")
    quota.acquire("a")  # back to the per-client limit of 2
