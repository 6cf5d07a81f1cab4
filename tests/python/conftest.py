"""Shared fixtures of the Python test suite.

The suite tests the package in python/ of this checkout (put first on
sys.path) unless OGAS_TEST_INSTALLED=1, in which case it tests the installed
one. libogas is found as the package finds it (OGAS_LIBRARY, then the build
trees); ctest sets OGAS_LIBRARY to the library it just built.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

REPO = Path(__file__).resolve().parents[2]
if os.environ.get("OGAS_TEST_INSTALLED") != "1":
    sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ogas  # noqa: E402


def small_config(**over: Any) -> Dict[str, Any]:
    """A breeder that trusts its DDPM after a few dozen values: breeding starts in
    generation 1, and a whole protocol run takes well under a second. The trust
    check is off: it needs dozens of scored simulations, and these tests are of
    the protocol, not of what the DDPM learns."""
    cfg: Dict[str, Any] = {
        "nb_params": 3,
        "l_bounds": [0.0, -1.0, 10.0],
        "u_bounds": [1.0, 1.0, 130.0],
        "parameter_names": ["a", "b", "L"],
        "nb_sims": 160,
        "seed": 7,
        "non_breed_sampler": "halton",
        "breeder": {
            "async_training": False,
            "start_breed_ratio": 0.5,
            "end_breed_ratio": 0.8,
            "breakpoint": 3,
            "min_reservoir_entries": 16,
            "min_train_steps": 8,
            "trust_min_z": 0,
            "learn_sampling_ratio": True,
            "max_mlp_steps_per_collect": 1,
            "ratio_mlp_hidden_dim": 8,
        },
        "model": {"model_dim": 16, "n_blocks": 1, "timesteps": 10, "n_train_steps_per_epoch": 1},
        "data": {"buffer_size": 128, "batch_size": 16},
    }
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(cfg.get(k), dict):
            cfg[k] = {**cfg[k], **v}
        else:
            cfg[k] = v
    return cfg


@pytest.fixture
def config() -> Dict[str, Any]:
    return small_config()


@pytest.fixture
def breeder(config: Dict[str, Any]):
    b = ogas.OGASBreeder(**config)
    yield b
    b.close()


@pytest.fixture(scope="session")
def c_driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/python/c_driver.c compiled against the libogas the package loads."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler (cc) to build tests/python/c_driver.c")
    lib = Path(ogas.library_path())
    if not lib.is_file():
        pytest.skip(f"libogas was loaded by soname ({lib}); the C driver needs a path")
    exe = tmp_path_factory.mktemp("c_driver") / "c_driver"
    cmd = [
        cc, "-std=c17", "-O1", "-ffp-contract=off", f"-I{REPO / 'include'}",
        str(REPO / "tests" / "python" / "c_driver.c"), str(lib.resolve()),
        f"-Wl,-rpath,{lib.resolve().parent}", "-o", str(exe),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail("cannot build the C driver:\n" + " ".join(cmd) + "\n" + r.stderr)
    return exe


@pytest.fixture
def config_file(tmp_path: Path, config: Dict[str, Any]) -> Path:
    p = tmp_path / "config.json"
    p.write_text(json.dumps(config))
    return p
