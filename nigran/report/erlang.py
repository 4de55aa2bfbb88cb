"""Queueing formulas for steady-state staffing: Erlang C (M/M/n, callers wait forever) and
Erlang A (M/M/n+M, callers abandon after an exponential patience).

Notation: ``rate`` arrivals per hour, ``handle_h`` mean handling time in hours, ``n`` reviewers,
``target_h`` the time within which an item should be picked up. Offered load ``a = rate *
handle_h`` (Erlangs). Erlang B is computed by the stable recursion ``B(k) = a B(k-1) / (k + a
B(k-1))``, never with factorials, so thousands of servers are fine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nigran.errors import InvalidInput


def erlang_b(n: int, a: float) -> float:
    """Blocking probability of M/M/n/n with offered load ``a``."""
    if n < 0 or a < 0:
        raise InvalidInput("servers and load must be non-negative")
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(n: int, a: float) -> float:
    """Probability that an arrival waits (M/M/n); 1 when the queue is unstable (n <= a)."""
    if n <= a:
        return 1.0
    b = erlang_b(n, a)
    return n * b / (n - a * (1 - b))


def service_level(rate: float, handle_h: float, n: int, target_h: float) -> float:
    """Share of items picked up within ``target_h`` (M/M/n, first come first served)."""
    a = rate * handle_h
    if n <= a:
        return 0.0
    return 1.0 - erlang_c(n, a) * math.exp(-(n - a) * target_h / handle_h)


def mean_wait_h(rate: float, handle_h: float, n: int) -> float:
    a = rate * handle_h
    if n <= a:
        return math.inf
    return erlang_c(n, a) * handle_h / (n - a)


def servers_for(rate: float, handle_h: float, target_h: float, level: float) -> int:
    """The fewest reviewers whose service level within ``target_h`` is at least ``level``."""
    if not 0 < level < 1:
        raise InvalidInput("a service-level target is a share between 0 and 1", where="level")
    if rate <= 0:
        return 0
    n = max(1, math.floor(rate * handle_h) + 1)
    while service_level(rate, handle_h, n, target_h) < level:
        n += 1
    return n


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Steady state of M/M/n+M: the probability of waiting, of abandoning, and the mean wait
    (of everyone, abandoners included) in hours."""

    p_wait: float
    p_abandon: float
    mean_wait_h: float


def erlang_a(rate: float, handle_h: float, n: int, patience_h: float) -> ErlangA:
    """Solve the birth-death chain (arrivals ``rate``; departures ``min(k, n)/handle_h`` served
    plus ``max(k - n, 0)/patience_h`` abandoning), truncated where the tail is negligible. Always
    stable: impatient callers leave, so it answers for n below the load too."""
    if n < 1 or handle_h <= 0 or patience_h <= 0:
        raise InvalidInput("Erlang A needs n >= 1, a handling time and a patience")
    mu, theta = 1 / handle_h, 1 / patience_h
    # Unnormalised probabilities in log space, up to where they stop mattering.
    logp = [0.0]
    k = 0
    while True:
        k += 1
        death = min(k, n) * mu + max(k - n, 0) * theta
        logp.append(logp[-1] + math.log(rate / death))
        if k > n and logp[-1] < max(logp) - 40:
            break
    top = max(logp)
    p = [math.exp(x - top) for x in logp]
    z = sum(p)
    p = [x / z for x in p]
    waiting = sum(max(k - n, 0) * pk for k, pk in enumerate(p))
    # PASTA: an arrival sees the stationary distribution.
    p_wait = sum(pk for k, pk in enumerate(p) if k >= n)
    # Abandonments per hour are theta * E[queue]; as a share of arrivals:
    p_abandon = theta * waiting / rate
    return ErlangA(p_wait=p_wait, p_abandon=p_abandon, mean_wait_h=waiting / rate)
