"""Nigran: trust and safety for Urdu, Roman Urdu, Punjabi, Pashto, Sindhi and English.

The names integrators use are exported here; everything else is reachable by its module.
"""

from nigran.errors import (
    ConflictingResubmission,
    InvalidContent,
    LedgerCorrupt,
    NigranError,
    NotFound,
)
from nigran.model import (
    Action,
    ActionType,
    Content,
    Decision,
    Evidence,
    Ground,
    Scope,
    Signal,
    SignalSource,
    Span,
    Visibility,
)

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ActionType",
    "ConflictingResubmission",
    "Content",
    "Decision",
    "Evidence",
    "Ground",
    "InvalidContent",
    "LedgerCorrupt",
    "NigranError",
    "NotFound",
    "Scope",
    "Signal",
    "SignalSource",
    "Span",
    "Visibility",
    "__version__",
]
