"""The platform's own clock settings per jurisdiction pack (the pack's optional ``clocks``).

The law sets an order's deadline (``order_types`` in the pack); these are the settings the law
leaves to the platform, with defaults a compliance officer would expect where a pack says nothing:

- ``at_risk_share`` (0.25): an open order is *at risk* once less than this share of its clock
  is left; legal is alerted and its case served first.
- ``clarification_reminder`` (P2D) and ``clarification_wait`` (P7D): a defective order whose
  clock is stopped waiting for the authority is escalated to legal with a reminder after the
  first, and refused as defective after the second.
- ``strike_window`` (P180D), ``strikes_to_warn`` (3), ``strikes_to_suspend`` (4), ``suspension``
  (P30D): DSA Art. 23 — restrictions for manifestly illegal content or breaches of the terms,
  counted per author and ground within the window; the warning comes first, and only a further
  strike after it suspends the account, for ``suspension``.
"""

from __future__ import annotations

from dataclasses import dataclass

from nigran.policy.durations import Duration, parse_duration
from nigran.policy.packs import Pack

_P2D, _P7D, _P180D, _P30D = (parse_duration(t) for t in ("P2D", "P7D", "P180D", "P30D"))


@dataclass(frozen=True, slots=True)
class Clocks:
    at_risk_share: float = 0.25
    clarification_reminder: Duration = _P2D
    clarification_wait: Duration = _P7D
    strike_window: Duration = _P180D
    strikes_to_warn: int = 3
    strikes_to_suspend: int = 4
    suspension: Duration = _P30D


DEFAULT = Clocks()


def of(pack: Pack | None) -> Clocks:
    """The pack's settings, each falling back to the default."""
    d = dict((pack.data.get("clocks") if pack is not None else None) or {})
    return Clocks(
        at_risk_share=float(d.get("at_risk_share", DEFAULT.at_risk_share)),
        clarification_reminder=_dur(d, "clarification_reminder"),
        clarification_wait=_dur(d, "clarification_wait"),
        strike_window=_dur(d, "strike_window"),
        strikes_to_warn=int(d.get("strikes_to_warn", DEFAULT.strikes_to_warn)),
        strikes_to_suspend=int(d.get("strikes_to_suspend", DEFAULT.strikes_to_suspend)),
        suspension=_dur(d, "suspension"),
    )


def _dur(d: dict[str, object], key: str) -> Duration:
    v = d.get(key)
    if v:
        return parse_duration(str(v))
    default: Duration = getattr(DEFAULT, key)
    return default
