"""pip install ./python works offline, and the package finds libogas as documented."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ogas
from conftest import REPO

PROBE = "import ogas, sys; sys.stdout.write(ogas.__file__ + '\\n' + ogas.library_path())"


def _run(env_extra: dict, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("OGAS_LIBRARY", "PYTHONPATH")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=cwd)


def _pip_available() -> bool:
    return subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _pip_available(), reason="pip is not installed for this interpreter")
def test_pip_install_offline(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(REPO / "python", src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    site = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site), str(src)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert (site / "ogas" / "py.typed").is_file()
    lib = Path(ogas.library_path()).resolve()
    r = _run({"PYTHONPATH": str(site), "OGAS_LIBRARY": str(lib)}, tmp_path)
    assert r.returncode == 0, r.stderr
    mod, used = r.stdout.split("\n")
    assert mod.startswith(str(site)) and used == str(lib)
    # A library copied next to the package is found without OGAS_LIBRARY.
    shutil.copy(lib, site / "ogas" / "libogas.so")
    r = _run({"PYTHONPATH": str(site)}, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[1] == str(site / "ogas" / "libogas.so")


def test_import_from_the_source_tree_finds_a_build_tree(tmp_path: Path) -> None:
    builds = [p for p in [REPO / "build" / "libogas.so", *sorted(REPO.glob("build-*/libogas.so"))] if p.exists()]
    if not builds:
        pytest.skip("no build tree with libogas.so in this checkout")
    r = _run({"PYTHONPATH": str(REPO / "python")}, tmp_path)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.split("\n")[1]) == builds[0]
