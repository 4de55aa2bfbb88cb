"""The serving path loads without the training stack: building the detectors, a pipeline on a
store and the API app (what ``nigran serve`` and a worker do) imports neither scikit-learn nor
SciPy nor ``nigran.training``. Checked in a fresh interpreter, since this test process has long
imported them for other tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from nigran.detect import default_detectors
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from nigran.api import create_app
import nigran.cli

detectors = default_detectors()
store = Store.open(sys.argv[1])
pipeline = Pipeline(store)
app = create_app(store)
loaded = sorted({name.split(".")[0] for name in sys.modules} & {"sklearn", "scipy"})
training = sorted(name for name in sys.modules if name.startswith("nigran.training"))
print(json.dumps({"detectors": len(detectors), "heavy": loaded, "training": training}))
"""


def test_serving_imports_neither_sklearn_nor_scipy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    env = {**os.environ, "NIGRAN_DATA_DIR": str(tmp_path / "data")}
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["detectors"] > 0
    assert seen["heavy"] == [], f"serving imported {seen['heavy']}"
    assert seen["training"] == []
