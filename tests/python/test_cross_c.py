"""Python and C agree: struct layouts, bit-identical parameters from the same
config and seed in synchronous mode, and checkpoints that cross languages."""

from __future__ import annotations

import ctypes
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ogas
from ogas import _lib
from conftest import small_config
import protocol

G, N_GEN, STEPS = 32, 4, 4  # nb_sims = G * (N_GEN + 1) = 160


def _c(driver: Path, *args: object) -> subprocess.CompletedProcess:
    r = subprocess.run([str(driver), *map(str, args)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r


def test_struct_layouts_match_the_header(c_driver: Path) -> None:
    out = _c(c_driver, "layout").stdout.split("\n")
    c = dict(line.rsplit(" ", 1) for line in out if line)
    for name, cls in (("ogas_generation_info", _lib.GenerationInfoStruct), ("ogas_stats", _lib.StatsStruct)):
        assert int(c[name]) == ctypes.sizeof(cls), name
        fields = [f for f, _ in cls._fields_]
        c_fields = [k.split(".", 1)[1] for k in c if k.startswith(name + ".")]
        assert fields == c_fields, f"{name}: ctypes fields differ from the header's"
        for f in fields:
            assert int(c[f"{name}.{f}"]) == getattr(cls, f).offset, f"{name}.{f}"


def _py_run(cfg: dict, **kw: object):
    with ogas.OGASBreeder(**cfg) as b:
        table, bred = protocol.run(b, G, N_GEN, STEPS, **kw)
        gens = b.current_generation
    return table, bred, gens


def test_python_and_c_produce_the_same_parameters(c_driver: Path, tmp_path: Path) -> None:
    cfg = small_config()
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    py_table, py_bred, gens = _py_run(cfg)
    _c(c_driver, "run", tmp_path / "cfg.json", G, N_GEN, STEPS, tmp_path / "c.txt")
    c_table, c_bred = protocol.read_c_table(tmp_path / "c.txt")
    assert gens == N_GEN
    assert py_bred.sum() > 0, "the protocol should breed, or the check proves little"
    np.testing.assert_array_equal(py_table, c_table)  # bit for bit
    np.testing.assert_array_equal(py_bred, c_bred)


def test_python_and_c_agree_on_the_reference_layout(c_driver: Path, tmp_path: Path) -> None:
    cfg = small_config()
    study = {
        "output_dir": "OUT",
        "study_options": {
            "parameter_sweep_size": cfg.pop("nb_sims"),
            "nb_parameters": cfg.pop("nb_params"),
            "l_bounds": cfg.pop("l_bounds"),
            "u_bounds": cfg.pop("u_bounds"),
            "seed": cfg.pop("seed"),
            "field_names": ["u"],
        },
        "active_sampling_config": {"breeder_backend": "ogas_breeder", "breed_params": cfg},
    }
    (tmp_path / "study.json").write_text(json.dumps(study))
    with pytest.warns(ogas.OGASConfigWarning):
        py_table, py_bred, _ = _py_run(study)
    _c(c_driver, "run", tmp_path / "study.json", G, N_GEN, STEPS, tmp_path / "c.txt")
    c_table, c_bred = protocol.read_c_table(tmp_path / "c.txt")
    np.testing.assert_array_equal(py_table, c_table)
    np.testing.assert_array_equal(py_bred, c_bred)


def test_checkpoint_from_python_restarts_in_c(c_driver: Path, tmp_path: Path) -> None:
    cfg = small_config()
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    ckpt = tmp_path / "py.ckpt"
    whole, whole_bred, _ = _py_run(cfg)
    with ogas.OGASBreeder(**cfg) as b:
        protocol.run(b, G, N_GEN, STEPS, save=ckpt, save_at=1)
    assert ckpt.is_file()
    _c(c_driver, "run", tmp_path / "cfg.json", G, N_GEN, STEPS, tmp_path / "c.txt", "--restore", ckpt, 2)
    c_table, c_bred = protocol.read_c_table(tmp_path / "c.txt")
    np.testing.assert_array_equal(whole, c_table)
    np.testing.assert_array_equal(whole_bred, c_bred)


def test_checkpoint_from_c_restarts_in_python(c_driver: Path, tmp_path: Path) -> None:
    cfg = small_config()
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    ckpt = tmp_path / "c.ckpt"
    _c(c_driver, "run", tmp_path / "cfg.json", G, N_GEN, STEPS, tmp_path / "whole.txt")
    whole, whole_bred = protocol.read_c_table(tmp_path / "whole.txt")
    _c(c_driver, "run", tmp_path / "cfg.json", G, N_GEN, STEPS, tmp_path / "half.txt", "--save", ckpt, 2)
    with ogas.OGASBreeder(**cfg) as b:
        assert b.restart_from_checkpoint(ckpt) == str(ckpt)
        assert b.current_generation == 3
        table, bred = protocol.run(b, G, N_GEN, STEPS, from_gen=3)
    np.testing.assert_array_equal(whole, table)
    np.testing.assert_array_equal(whole_bred, bred)
