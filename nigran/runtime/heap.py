"""Keeping CPython's cyclic garbage collector off what a moderating process loads once."""

from __future__ import annotations

import gc

from nigran.config import settings

_frozen = False


def freeze_loaded() -> None:
    """Collect once, then move every object alive now (detector tables and term banks, the
    policy, imported modules, the web app) into the collector's permanent generation.

    Why: moderation allocates many short-lived objects (content, signals, decisions), so the
    collector runs often, and every full collection walks each tracked object, including all that
    was loaded at start-up and lives as long as the process. In a process holding what
    ``nigran serve`` loads, that walk cost about a fifth of the text path's time
    (``python -m bench.text`` prints the path both ways). Frozen objects stay reference-counted
    and are freed as usual when the last reference goes; only a cycle among them would never be
    collected, which cannot matter for objects that live until exit.

    For the entry points that start a moderating process (``nigran serve``, ``nigran moderate``,
    ``nigran worker``), once, after loading: not for library code. Later calls do nothing, and
    so does ``NIGRAN_FREEZE_HEAP=0`` (the test suite sets it: its objects come and go in one
    process)."""
    global _frozen
    if _frozen or not settings().freeze_heap:
        return
    gc.collect()
    gc.freeze()
    _frozen = True
