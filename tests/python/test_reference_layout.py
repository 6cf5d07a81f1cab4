"""The reference server's configuration: Melissa study files, the reference
breeder's keyword arguments and ExperimentConfig objects."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path
from typing import Any, Dict

import numpy as np
import pytest

import ogas
from ogas import _config
from conftest import REPO, small_config

STUDY = REPO / "tests" / "data" / "configs" / "melissa_study.json"

# What the study file above means in the native layout.
NATIVE_EQUIVALENT: Dict[str, Any] = {
    "nb_params": 2, "l_bounds": [0.5, 10], "u_bounds": [1.5, 60], "nb_sims": 500, "seed": 1234,
    "breeder": {"breakpoint": 4, "max_epoch_per_epoch": 50, "max_mlp_steps_per_collect": 4,
                "end_breed_ratio": 0.7, "loss_sampling_strategy": "proportional"},
    "model": {"lr": 2e-4, "timesteps": 100, "model_dim": 1024, "n_train_steps_per_epoch": 1},
    "data": {"ema_loss_alpha": 0.3, "batch_size": 128, "buffer_size": 6000},
}

EXPECTED_IGNORED = {
    "server_filename", "server_class", "output_dir", "study_options.field_names",
    "study_options.num_samples", "study_options.simulation_timeout", "study_options.verbosity",
    "active_sampling_config.nn_updates", "active_sampling_config.value_to_register",
    "active_sampling_config.loss_type", "active_sampling_config.breed_params.log_extra",
    "active_sampling_config.breed_params.model.name",
    "active_sampling_config.breed_params.breeder.ratio_mlp_dropout", "dl_config",
}


def _quiet(**kw: Any) -> ogas.OGASBreeder:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ogas.OGASConfigWarning)
        return ogas.OGASBreeder(**kw)


def test_study_file_is_read_unchanged_and_ignored_keys_are_listed() -> None:
    with pytest.warns(ogas.OGASConfigWarning, match="dl_config") as rec:
        b = ogas.OGASBreeder.from_file(STUDY)
    with b, ogas.OGASBreeder(**NATIVE_EQUIVALENT) as native:
        assert b.layout == "melissa"
        assert (b.nb_params, b.nb_sims) == (2, 500)
        np.testing.assert_array_equal(b.parameters, native.parameters)
        assert set(b.ignored_keys) == EXPECTED_IGNORED
        assert "dl_config" in str(rec[0].message)
        assert native.ignored_keys == []


def test_study_mapping_as_keyword_arguments() -> None:
    study = _config.loads_relaxed(STUDY.read_text())
    with pytest.warns(ogas.OGASConfigWarning):
        b = ogas.OGASBreeder(**study)
    with pytest.warns(ogas.OGASConfigWarning):
        f = ogas.OGASBreeder.from_file(STUDY)
    with b, f:
        np.testing.assert_array_equal(b.parameters, f.parameters)
        assert b.ignored_keys == f.ignored_keys


def test_relaxed_json_reader_matches_the_library() -> None:
    text = '{"a": [1, 2,], // c\n "b": "x // not a comment", /* block\n */ "c": {"d": 1,},}'
    assert _config.loads_relaxed(text) == {"a": [1, 2], "b": "x // not a comment", "c": {"d": 1}}


def test_typos_in_the_study_file_are_still_errors(tmp_path: Path) -> None:
    study = _config.loads_relaxed(STUDY.read_text())
    study["active_sampling_config"]["breed_params"]["model"]["model_dimm"] = 64
    with pytest.raises(ValueError, match=r"model_dimm.*did you mean"):
        ogas.OGASBreeder(**study)
    study = _config.loads_relaxed(STUDY.read_text())
    study["active_sampling_config"]["breeder_backend"] = "default"
    with pytest.raises(ValueError, match="breeder_backend"):
        ogas.OGASBreeder(**study)


def test_reference_breeder_keyword_arguments() -> None:
    """A Melissa server calls OGASBreeder(**breed_params, nb_params=..., ...): keys
    only the reference breeder knows are ignored and listed, not errors; the
    other keys stay strictly checked (native layout)."""
    breed_params = _config.loads_relaxed(STUDY.read_text())["active_sampling_config"]["breed_params"]
    with pytest.warns(ogas.OGASConfigWarning, match="model.name"):
        b = ogas.OGASBreeder(**breed_params, nb_params=2, nb_sims=500, l_bounds=[0.5, 10],
                             u_bounds=[1.5, 60], seed=1234, dtype=np.float32)
    with b, ogas.OGASBreeder(**NATIVE_EQUIVALENT) as native:
        assert b.layout == "native"
        np.testing.assert_array_equal(b.parameters, native.parameters.astype(np.float32))
        assert set(b.ignored_keys) == {"log_extra", "model.name", "breeder.ratio_mlp_dropout"}


def test_one_reference_key_does_not_loosen_the_others() -> None:
    """Before: a single reference-only key switched every key to the lenient
    layout, so a typo beside it became a warning."""
    with pytest.raises(ValueError, match=r"breeder.end_breed_ratoi.*did you mean"):
        ogas.OGASBreeder(**small_config(breeder={"activate_breed": True, "end_breed_ratoi": 0.5}))
    with pytest.raises(ValueError, match=r"model.model_dimm"):
        ogas.OGASBreeder(**small_config(model={"name": "ddpm", "model_dimm": 64}))
    with pytest.raises(ValueError, match="not_a_key"):
        _quiet(**small_config(), log_extra=True, not_a_key=1)


def test_activate_breed_false_stops_breeding() -> None:
    """Before: activate_breed was ignored and the breeder bred anyway."""
    for activate in (True, False):
        with ogas.OGASBreeder(**small_config(breeder={"activate_breed": activate})) as b:
            rng = np.random.default_rng(1)
            for g in range(3):
                ids = np.arange(32 * g, 32 * (g + 1))
                for _ in range(3):
                    b.record_increments(ids, np.zeros_like(ids), rng.random(32), 0)
                b.train_sampler(0)
                b.next_parameters(32)
                b.concretize_resampled_parameters(32 * (g + 1) - 1)
            bred = sum(i.n_bred for i in b.generations)
            if activate:
                assert bred > 0
            else:
                assert bred == 0
                assert "activate_breed" in b.generations[-1].not_bred_reason


def test_reference_sampler_spelling() -> None:
    """The reference DefaultBreeder's non_breed_sampling_strategy ("LHS") is understood."""
    cfg = small_config()
    del cfg["non_breed_sampler"]
    with _quiet(**cfg, non_breed_sampling_strategy="LHS") as a, \
            ogas.OGASBreeder(**small_config(non_breed_sampler="lhs")) as b:
        np.testing.assert_array_equal(a.parameters, b.parameters)
        assert a.ignored_keys == []


# An ExperimentConfig as the reference defines it: three dataclasses, with
# fields ogas has (same names) and some it does not.
@dataclasses.dataclass
class BreederConfig:
    start_breed_ratio: float = 0.0
    end_breed_ratio: float = 0.9
    breakpoint: int = 3
    loss_sampling_strategy: str = "uniform_quantile"
    activate_breed: bool = True
    ratio_mlp_dropout: float = 0.1
    async_training: bool = False


@dataclasses.dataclass
class DDPMConfig:
    name: str = "ddpm"
    model_dim: int = 64
    timesteps: int = 50
    lr: float = 1e-3


@dataclasses.dataclass
class DataConfig:
    buffer_size: int = 500
    batch_size: int = 64
    use_timesteps: bool = False


@dataclasses.dataclass
class ExperimentConfig:
    breeder: BreederConfig = dataclasses.field(default_factory=BreederConfig)
    model: DDPMConfig = dataclasses.field(default_factory=DDPMConfig)
    data: DataConfig = dataclasses.field(default_factory=DataConfig)


def test_experiment_config_object() -> None:
    study = dict(nb_params=3, l_bounds=[0, -1, 10], u_bounds=[1, 1, 130], nb_sims=200, seed=5)
    with pytest.warns(ogas.OGASConfigWarning):
        a = ogas.OGASBreeder(config=ExperimentConfig(), **study)
    native = {**study,
              "breeder": {"start_breed_ratio": 0.0, "end_breed_ratio": 0.9, "breakpoint": 3,
                          "loss_sampling_strategy": "uniform_quantile", "async_training": False},
              "model": {"model_dim": 64, "timesteps": 50, "lr": 1e-3},
              "data": {"buffer_size": 500, "batch_size": 64}}
    with a, ogas.OGASBreeder(**native) as b:
        np.testing.assert_array_equal(a.parameters, b.parameters)
        a.next_parameters(10)
        b.next_parameters(10)
        assert a.R == b.R == pytest.approx(0.45)
    # A plain mapping works the same, and keyword arguments override it.
    with pytest.warns(ogas.OGASConfigWarning):
        c = ogas.OGASBreeder(config=dataclasses.asdict(ExperimentConfig()), **study,
                             breeder={"end_breed_ratio": 0.3})
    with c:
        c.next_parameters(10)
        assert c.R == pytest.approx(0.15)


def test_built_json_for_big_seeds_and_layouts() -> None:
    built = _config.build(small_config(seed=2**64 - 1))
    assert json.loads(built.json_text)["seed"] == str(2**64 - 1) and built.layout == "native"
    built = _config.build({**small_config(), "log_extra": True})
    cfg = json.loads(built.json_text)
    assert built.layout == "native" and "log_extra" not in cfg and built.ignored == ["log_extra"]
    built = _config.build({"study_options": {"parameter_sweep_size": 160}})
    assert built.layout == "melissa"
