"""Library statuses become the right Python exceptions, carrying the library's message."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import ogas
from conftest import small_config


def test_exception_hierarchy() -> None:
    assert issubclass(ogas.OGASValueError, ValueError)
    assert issubclass(ogas.OGASMemoryError, MemoryError)
    assert issubclass(ogas.OGASIOError, OSError)
    assert issubclass(ogas.OGASCorruptError, ogas.OGASIOError)
    assert issubclass(ogas.OGASStateError, RuntimeError)
    assert issubclass(ogas.OGASRangeError, IndexError)
    for cls in (ogas.OGASValueError, ogas.OGASMemoryError, ogas.OGASIOError, ogas.OGASCorruptError,
                ogas.OGASStateError, ogas.OGASRangeError):
        assert issubclass(cls, ogas.OGASError)
    e = ogas.OGASIOError("cannot write x", 3)
    assert str(e) == "cannot write x" and e.status == 3 and e.status_name == "OGAS_EIO"


def test_unknown_key_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"unknown key 'model.model_dimm' \(did you mean 'model.model_dim'\?\)") as ei:
        ogas.OGASBreeder(**small_config(model={"model_dimm": 64}))
    assert isinstance(ei.value, ogas.OGASValueError)
    assert ei.value.status_name == "OGAS_EINVAL"


@pytest.mark.parametrize("over,pattern", [
    ({"data": {"batch_size": 0}}, r"data.batch_size: expected an integer >= 1, got 0"),
    ({"breeder": {"resample_oob": "yes"}}, r"breeder.resample_oob: expected a boolean"),
    ({"l_bounds": [0, 0]}, r"l_bounds has 2 entries but nb_params is 3"),
    ({"u_bounds": [1, 1, 10]}, r"l_bounds\[2\] = 10 must be < u_bounds\[2\] = 10"),
    ({"non_breed_sampler": "grid"}, r"non_breed_sampler"),
    ({"nb_sims": 0}, r"nb_sims"),
])
def test_bad_values_are_value_errors(over, pattern) -> None:
    with pytest.raises(ogas.OGASValueError, match=pattern):
        ogas.OGASBreeder(**small_config(**over))


def test_missing_required_key() -> None:
    cfg = small_config()
    del cfg["nb_sims"]
    with pytest.raises(ValueError, match="nb_sims"):
        ogas.OGASBreeder(**cfg)


def test_non_finite_config_number_is_named() -> None:
    with pytest.raises(ValueError, match=r"model.lr: expected a finite number"):
        ogas.OGASBreeder(**small_config(model={"lr": float("nan")}))


def test_malformed_json_gives_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"line 2, column"):
        ogas.OGASBreeder.from_json('{"nb_params": 2,\n "l_bounds": [0, 0}')
    p = tmp_path / "bad.json"
    p.write_text('{"nb_params": 2,\n "l_bounds": [0 0]}')
    with pytest.raises(ValueError, match="bad.json"):
        ogas.OGASBreeder.from_file(p)


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="nope.json") as ei:
        ogas.OGASBreeder.from_file(tmp_path / "nope.json")
    assert isinstance(ei.value, ogas.OGASIOError) and ei.value.status_name == "OGAS_EIO"


def test_out_of_range_ids_are_index_errors(breeder: ogas.OGASBreeder) -> None:
    with pytest.raises(IndexError, match=r"sim id 160 is outside 0..159"):
        breeder.draw(160)
    with pytest.raises(ogas.OGASRangeError, match="-1"):
        breeder.get_parameters(-1)
    with pytest.raises(ogas.OGASRangeError, match="last_submitted_sim_id 500"):
        breeder.concretize_resampled_parameters(500)
    with pytest.raises(ogas.OGASRangeError, match="generation 1 is outside"):
        breeder.generation_info(1)


def test_bad_arguments_in_python(breeder: ogas.OGASBreeder) -> None:
    with pytest.raises(ValueError, match="sim_ids has 3 entries but values has 2"):
        breeder.record_increments([0, 1, 2], None, [1.0, 2.0])
    with pytest.raises(ValueError, match="time_steps"):
        breeder.record_increments([0, 1], [0], [1.0, 2.0])
    with pytest.raises(ValueError, match="non-integral"):
        breeder.record_increments([0.5], None, [1.0])
    with pytest.raises(ValueError, match="64-bit"):
        breeder.record_increments(np.array([2**64 - 1], dtype=np.uint64), None, [1.0])
    with pytest.raises(TypeError, match="integer array"):
        breeder.record_increments(["a"], None, [1.0])
    with pytest.raises(TypeError, match="numeric array"):
        breeder.record_increments([0], None, ["x"])
    with pytest.raises(TypeError):
        breeder.draw("3")
    with pytest.raises(TypeError):
        breeder.draw(1.5)
    with pytest.raises(TypeError):
        breeder.next_parameters(True)


def test_non_breed_sampler_t_unknown() -> None:
    cfg = small_config()
    del cfg["non_breed_sampler"]
    with pytest.raises(ValueError, match="non_breed_sampler_t"):
        ogas.OGASBreeder(**cfg, non_breed_sampler_t="grid")


def test_unusable_library_path(tmp_path: Path) -> None:
    import subprocess
    import sys
    repo = Path(__file__).resolve().parents[2]
    code = "import ogas\ntry:\n    ogas.library_path()\nexcept OSError as e:\n    print('OSError', e)\n"
    env = {"OGAS_LIBRARY": str(tmp_path / "libnothing.so"), "PYTHONPATH": str(repo / "python")}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.stdout.startswith("OSError") and "libnothing.so" in r.stdout, r.stdout + r.stderr


def test_checkpoint_errors(breeder: ogas.OGASBreeder, tmp_path: Path) -> None:
    with pytest.raises(OSError, match="missing.ckpt") as ei:
        breeder.restart_from_checkpoint(tmp_path / "missing.ckpt")
    assert isinstance(ei.value, ogas.OGASIOError)
    with pytest.raises(OSError):
        breeder.checkpoint_state(tmp_path / "no" / "such" / "dir" / "x.ckpt")
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"this is not a checkpoint" * 10)
    with pytest.raises(ogas.OGASCorruptError):
        breeder.restart_from_checkpoint(junk)
    # A truncated real checkpoint is damaged too.
    good = Path(breeder.checkpoint_state(tmp_path / "good.ckpt"))
    cut = tmp_path / "cut.ckpt"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ogas.OGASCorruptError):
        breeder.restart_from_checkpoint(cut)
    # A checkpoint written under an incompatible config is refused.
    with ogas.OGASBreeder(**small_config(model={"model_dim": 32})) as other:
        with pytest.raises(ogas.OGASError, match="model.model_dim"):
            other.restart_from_checkpoint(good)


def test_checkpoint_round_trip_in_python(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = small_config()
    with ogas.OGASBreeder(**cfg) as a:
        a.record_increments(np.arange(40), None, np.linspace(0, 2, 40), 0)
        a.train_sampler(10)
        a.next_parameters(32)
        a.concretize_resampled_parameters(39)
        path = a.checkpoint_state()  # default path: ./ogas_checkpoint.bin
        assert path == str(tmp_path / "ogas_checkpoint.bin")
        with ogas.OGASBreeder(**cfg) as b:
            b.restart_from_checkpoint()
            np.testing.assert_array_equal(a.parameters, b.parameters)
            np.testing.assert_array_equal(a.parameters_is_bred, b.parameters_is_bred)
            assert (a.current_generation, a.R) == (b.current_generation, b.R)
            assert a.stats.ddpm_steps == b.stats.ddpm_steps
            for x in (a, b):
                x.record_increments(np.arange(40, 72), None, np.linspace(0, 2, 32), 1)
                x.train_sampler(0)
                x.next_parameters(32)
                x.concretize_resampled_parameters(71)
            np.testing.assert_array_equal(a.parameters, b.parameters)
