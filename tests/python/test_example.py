"""The example online-training server runs end to end (in its --quick size)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import ogas
from conftest import REPO


def test_online_server_quick() -> None:
    pytest.importorskip("torch")
    env = {**os.environ, "OGAS_LIBRARY": ogas.library_path(), "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "online_server.py"), "--quick", "--sync"],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    header = next(line for line in lines if line.split()[:1] == ["sampler"])
    assert header.split() == ["sampler", "mean", "std", "p50", "p95", "p99", "max"]
    for row in ("uniform", "ogas", "uni/ogas"):
        values = next(line for line in lines if line.split()[:1] == [row]).split()[1:]
        assert len(values) == 6 and all(float(v) > 0 for v in values)
