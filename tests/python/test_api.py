"""Every method and attribute of OGASBreeder, and the conversions of its arguments."""

from __future__ import annotations

import dataclasses
import enum
import json
import threading
from pathlib import Path

import numpy as np
import pytest

import ogas
from conftest import small_config


def _report(b: ogas.OGASBreeder, ids, value=0.5) -> None:
    ids = np.asarray(ids, dtype=np.int64)
    b.record_increments(ids, np.zeros_like(ids), np.full(ids.shape, value), 0)


def test_initial_table_and_attributes(breeder: ogas.OGASBreeder, config) -> None:
    b = breeder
    assert b.nb_params == 3 and b.nb_sims == 160
    assert b.current_generation == 0
    assert b.R == 0.0 and b.breed_ratio == 0.0
    table = b.parameters
    assert table.shape == (160, 3) and table.dtype == np.float64
    lo, hi = np.array(config["l_bounds"]), np.array(config["u_bounds"])
    assert np.all(table >= lo) and np.all(table <= hi)
    assert len(np.unique(table[:, 0])) == 160  # a space-filling table, not one point
    bred = b.parameters_is_bred
    assert bred.shape == (160,) and bred.dtype == bool and not bred.any()
    assert b.ignored_keys == []
    assert b.layout == "native"
    assert "nb_params=3" in repr(b)


def test_parameters_is_a_copy(breeder: ogas.OGASBreeder) -> None:
    t = breeder.parameters
    t[:] = -5
    assert np.all(breeder.parameters != -5)


def test_draw_and_get_parameters(breeder: ogas.OGASBreeder) -> None:
    table = breeder.parameters
    for sim in (0, 1, 159, np.int32(7), np.uint64(8), 9.0):
        row = breeder.draw(sim)
        assert row.shape == (3,) and row.dtype == np.float64
        np.testing.assert_array_equal(row, table[int(sim)])
        np.testing.assert_array_equal(breeder.get_parameters(sim), row)
    assert breeder.is_bred(0) is False


def test_dtype_option() -> None:
    with ogas.OGASBreeder(**small_config(), dtype=np.float32) as b:
        assert b.parameters.dtype == np.float32
        assert b.draw(3).dtype == np.float32
        np.testing.assert_allclose(b.draw(3), b.parameters[3])
    with pytest.raises(ValueError, match="floating-point dtype"):
        ogas.OGASBreeder(**small_config(), dtype=np.int32)


@pytest.mark.parametrize(
    "id_dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64, np.float32, np.float64]
)
@pytest.mark.parametrize("val_dtype", [np.float16, np.float32, np.float64, np.int32, np.uint8])
def test_record_increments_accepts_any_numeric_dtype(breeder: ogas.OGASBreeder, id_dtype, val_dtype) -> None:
    ids = np.arange(0, 20, dtype=id_dtype)
    breeder.record_increments(ids, ids, np.ones(20, dtype=val_dtype), 1)
    s = breeder.stats
    assert s.values_accepted == 20 and s.reservoir_entries == 20


def test_record_increments_accepts_lists_scalars_views_and_tensors(breeder: ogas.OGASBreeder) -> None:
    breeder.record_increments([0, 1, 2], [0, 0, 0], [0.1, 0.2, 0.3], 0)
    breeder.record_increments(5, 3, 0.7, 1)  # one value
    breeder.record_increments(np.arange(40)[::2], None, np.linspace(0, 1, 40)[::2], 2)  # strided views
    breeder.record_increments(np.arange(4).reshape(2, 2), None, np.ones((2, 2)), 3)  # flattened
    torch = pytest.importorskip("torch")
    breeder.record_increments(torch.arange(30, 34), torch.zeros(4, dtype=torch.int32),
                              torch.rand(4, requires_grad=True) * 1.0, 4)
    assert breeder.stats.values_accepted == 3 + 1 + 20 + 4 + 4


def test_record_increments_counts_rejected_values(breeder: ogas.OGASBreeder) -> None:
    breeder.record_increments([0, 1, 2, 1000, -1], None, [np.nan, -1.0, np.inf, 0.5, 0.5], 0)
    s = breeder.stats
    assert s.values_accepted == 0
    assert s.rejected_nonfinite == 2 and s.rejected_negative == 1 and s.rejected_unknown_id == 2


def test_generation_cycle(breeder: ogas.OGASBreeder) -> None:
    b = breeder
    _report(b, range(32))
    b.train_sampler()
    assert b.stats.ddpm_steps > 0 and b.stats.budget_pending == 0
    steps = b.stats.ddpm_steps
    b.train_sampler(10)  # past breeder.min_train_steps
    assert b.stats.ddpm_steps == steps + 10
    n = b.next_parameters(max_breeding_count=32)
    assert n == 32 and b.stats.n_staged == 32
    assert b.current_generation == 1
    assert b.R == pytest.approx(0.65)  # linspace(0.5, 0.8, 3)[1]
    before = b.parameters
    first, last = b.concretize_resampled_parameters(31)
    assert (first, last) == (32, 63)
    assert b.stats.n_staged == 0
    after = b.parameters
    np.testing.assert_array_equal(before[:32], after[:32])  # submitted rows never change
    np.testing.assert_array_equal(before[64:], after[64:])
    assert not np.array_equal(before[32:64], after[32:64])
    bred = b.parameters_is_bred
    assert bred[32:64].sum() == int(32 * 0.65) and not bred[:32].any()
    assert b.is_bred(int(np.flatnonzero(bred)[0])) is True
    info = b.generation_info(1)
    assert isinstance(info, ogas.GenerationInfo)
    assert info.generation == 1 and info.n_children == 32 and info.n_bred == int(32 * 0.65)
    assert info.n_bred + info.n_non_bred == 32 and info.breed_ratio == pytest.approx(0.65)
    assert info.not_bred_reason == ""
    assert b.generation_info() == info
    assert b.generations == [info]
    # Nothing staged: nothing written.
    assert b.concretize_resampled_parameters(63) == (-1, -1)


def test_next_parameters_default_takes_every_unsubmitted_row(breeder: ogas.OGASBreeder) -> None:
    assert breeder.next_parameters() == 160
    assert breeder.concretize_resampled_parameters(99) == (100, 159)  # never past nb_sims-1
    assert breeder.next_parameters(-1) == 60  # rows after the last one submitted
    assert breeder.concretize_resampled_parameters(99) == (100, 159)
    assert breeder.next_parameters(-1) == 60
    assert breeder.concretize_resampled_parameters(159) == (-1, -1)  # no room left


def test_not_bred_reason_before_the_ddpm_is_trusted(breeder: ogas.OGASBreeder) -> None:
    breeder.next_parameters(10)
    info = breeder.generation_info(1)
    assert info.n_bred == 0 and "min_reservoir_entries" in info.not_bred_reason


def test_stats_dataclass(breeder: ogas.OGASBreeder) -> None:
    s = breeder.get_stats()
    assert isinstance(s, ogas.Stats) and s.values_accepted == breeder.stats.values_accepted
    assert s.values_accepted == 0 and np.isnan(s.ddpm_loss)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.values_accepted = 3  # type: ignore[misc]


def test_async_training_in_the_background() -> None:
    with ogas.OGASBreeder(**small_config(breeder={"async_training": True})) as b:
        _report(b, range(40))
        b.train_sampler()  # waits for the trainer to spend its budget
        s = b.stats
        assert s.ddpm_steps > 0 and s.budget_pending == 0


def test_calls_from_several_threads() -> None:
    with ogas.OGASBreeder(**small_config(breeder={"async_training": True})) as b:
        errors = []

        def worker(k: int) -> None:
            try:
                for i in range(50):
                    _report(b, [(k * 50 + i) % 160])
                    b.draw(i)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert b.stats.values_accepted == 200


def test_close_and_context_manager(config) -> None:
    b = ogas.OGASBreeder(**config)
    b.close()
    b.close()  # idempotent
    assert "closed" in repr(b)
    with pytest.raises(ValueError, match="closed"):
        b.draw(0)
    with pytest.raises(ValueError, match="closed"):
        b.record_increments([0], None, [1.0])
    with ogas.OGASBreeder(**config) as b2:
        b2.draw(0)
    with pytest.raises(ValueError):
        _ = b2.parameters


def test_from_file_and_from_json(config, config_file: Path) -> None:
    with ogas.OGASBreeder(**config) as a, ogas.OGASBreeder.from_file(config_file) as b, \
            ogas.OGASBreeder.from_json(json.dumps(config)) as c:
        np.testing.assert_array_equal(a.parameters, b.parameters)
        np.testing.assert_array_equal(a.parameters, c.parameters)
    with pytest.raises(TypeError):
        ogas.OGASBreeder.from_file(config_file, nb_sims=3)


def test_numpy_values_in_the_config() -> None:
    cfg = small_config(l_bounds=np.array([0.0, -1.0, 10.0], dtype=np.float32),
                       u_bounds=(np.float64(1), 1, np.int64(130)), nb_sims=np.int64(160), seed=2**64 - 1)
    with ogas.OGASBreeder(**cfg) as b:
        assert b.nb_sims == 160
        assert b.parameters[:, 2].max() <= 130


def test_seed_changes_the_table() -> None:
    with ogas.OGASBreeder(**small_config(seed=1, non_breed_sampler="uniform")) as a, \
            ogas.OGASBreeder(**small_config(seed=2, non_breed_sampler="uniform")) as b:
        assert not np.array_equal(a.parameters, b.parameters)


class ParameterSamplerType(enum.Enum):  # what the reference passes as non_breed_sampler_t
    RANDOM_UNIFORM = 0
    HALTON = 1
    LHS = 2
    SOBOL = 3


@pytest.mark.parametrize("t,name", [(ParameterSamplerType.RANDOM_UNIFORM, "uniform"),
                                    (ParameterSamplerType.LHS, "lhs"), ("SOBOL", "sobol"),
                                    ("halton", "halton")])
def test_non_breed_sampler_t(t, name) -> None:
    cfg = small_config()
    cfg.pop("non_breed_sampler")
    with ogas.OGASBreeder(**cfg, non_breed_sampler_t=t) as a, \
            ogas.OGASBreeder(**cfg, non_breed_sampler=name) as b:
        np.testing.assert_array_equal(a.parameters, b.parameters)


def test_checkpoint_path_defaults(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with ogas.OGASBreeder(**small_config()) as b:
        assert b.checkpoint_path == str(tmp_path / "ogas_checkpoint.bin")
    with ogas.OGASBreeder(**small_config(run_dir=str(tmp_path / "run"))) as b:
        assert b.checkpoint_path == str(tmp_path / "run" / "ogas_checkpoint.bin")
    with ogas.OGASBreeder(**small_config(), checkpoint_path="x/c.bin") as b:
        assert b.checkpoint_path == str(tmp_path / "x" / "c.bin")


def test_library_path_is_reported() -> None:
    assert "ogas" in Path(ogas.library_path()).name
    assert ogas.has_symbol("ogas_breeder_create")
    assert not ogas.has_symbol("ogas_no_such_function")


def test_record_increments_edge_cases(breeder: ogas.OGASBreeder) -> None:
    breeder.record_increments([], [], [], 0)  # nothing to report is fine
    ro = np.arange(3)
    ro.setflags(write=False)  # read-only buffers take the slower pointer path
    breeder.record_increments(ro, ro, np.broadcast_to(np.float64(1.0), (3,)), np.int64(1))
    breeder.record_increments(np.arange(3, 6, dtype=">i8"), None, np.ones(3, dtype=">f8"), 2)  # big-endian
    assert breeder.stats.values_accepted == 6
