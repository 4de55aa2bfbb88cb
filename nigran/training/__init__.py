"""Training and evaluation of the text models: off the serving path.

``nigran train`` and ``nigran eval`` (and the studies in ``bench/``) run this; the detectors, the
pipeline and ``nigran serve`` never import it, so serving needs neither scikit-learn nor SciPy
(an import contract in ``pyproject.toml`` keeps it so). What the serving path shares with training
lives in :mod:`nigran.detect.text` (the predictor's line format, Platt scaling, the file header).

- ``datasets``       readers of the labelled sets in ``../shared/data`` (quirks handled once)
- ``linear``, ``nblr`` linear heads over n-gram counts, chosen by cross-validation
- ``fasttext_format`` fastText's featuriser ported line for line, and its model writer
- ``heads_file``     the classifier files and header the detectors read
- ``train``          ``nigran train``: every shipped classifier, reproducibly
- ``encoder_train``  ``nigran train --only encoder``: the optional encoder heads
- ``langid_data``, ``langid_train``, ``langid_eval``  the Roman Urdu language-ID head
- ``evaluate``, ``robustness``, ``transfer``  ``nigran eval`` and its sections
- ``reproducible``   one BLAS thread, so training bytes do not depend on the core count
"""
