"""Runners: the inline pipeline (embedded mode) and, later, stream workers (distributed mode).
Both call the same :mod:`nigran.runtime.pipeline` functions; only the runner differs."""
