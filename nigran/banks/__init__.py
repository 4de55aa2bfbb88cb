"""Banks kept in the store: a workflow over the detectors, not a detector.

- ``hashes``   media hash banks in the store, every change ledgered, followed across processes
- ``terms``    lexicon terms added or removed over the shipped term banks, every change ledgered
- ``rescan``   the retroactive scan: stored content matched against newly banked hashes

The matchers these feed (:mod:`nigran.detect.media.banks`, :mod:`nigran.detect.text.lexicon`)
are pure and know nothing of the store; this package loads them from it and keeps them in step.
"""
