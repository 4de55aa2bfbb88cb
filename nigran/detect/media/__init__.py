"""Media: the pictures and videos themselves.

- ``frames``    decode video (PyAV), sample 1 frame/s plus scene cuts, thumbnails
- ``hashing``   PDQ (ThreatExchange-identical), dihedral variants, MD5/SHA-256, file checks
- ``vpdq``      video hashes and matching in the manner of vPDQ, in 8 orientations
- ``index``     exact PDQ lookup within distance 31 at millions of hashes (multi-index hashing)
- ``banks``     hash banks: thresholds, negative banks, hot-hash quarantine, pytx/CSV exchange
- ``nudity``    NudeNet's shipped ONNX model on CPU; ``ocr`` tesseract into the text detectors
- ``refs``      media refs to local files, uploads, one analysis per file shared by detectors
- ``detectors`` the Detector classes the pipeline runs
- ``samples``   synthetic images and videos for tests, benchmarks and demos

Importing this package imports nothing heavy; each module pulls in its own dependencies. Banks kept
in the store, and the retroactive scan of the archive, live in :mod:`nigran.banks`.
"""
