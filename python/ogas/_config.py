"""Turning OGASBreeder keyword arguments into the JSON text libogas parses.

The C library owns every rule about keys, types and ranges
(docs/config.md); this module only

* merges an ExperimentConfig-like object (``config=``: a mapping or a
  dataclass with ``breeder``/``model``/``data``) under the keyword arguments;
* takes out the keys that only the Python layer uses (``checkpoint_path``,
  ``dtype``, ``config``) and translates the reference breeder's
  ``non_breed_sampler_t``;
* takes out the reference breeder's own keys that ogas does not implement
  (REFERENCE_ONLY_PATHS) and lists them as ignored, so that they neither fail
  nor loosen the checks of the other keys;
* chooses the layout: the native layout (strict: an unknown key is an error)
  unless the arguments come from the reference breeder's world — a Melissa
  study mapping or an ExperimentConfig object — in which case they are sent
  in the Melissa study layout, where the library ignores the keys it does not
  use and lists them;
* writes JSON that jansson reads exactly (NumPy scalars and arrays become
  numbers and lists, seeds above 2**63-1 become digit strings).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import os
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from .errors import OGASValueError

# Keys of the native layout's top level (docs/config.md, "Study").
NATIVE_STUDY_KEYS = (
    "nb_params",
    "l_bounds",
    "u_bounds",
    "parameter_names",
    "nb_sims",
    "seed",
    "non_breed_sampler",
    "run_dir",
    "verbose",
)
SECTIONS = ("breeder", "model", "data")

# Key paths that only the reference (Python) breeder has and ogas does not
# implement: taken out of native-layout keyword arguments and listed as
# ignored (the library's own list, for the Melissa layout, is
# config_reference_only_keys in src/breeder/config_fields.c; keep the two
# equal).
# breeder.activate_breed is not here: ogas implements it.
REFERENCE_ONLY_PATHS = (
    "log_extra",
    "breeder.ratio_mlp_dropout",
    "breeder.nb_candidates",
    "breeder.loss_sampling_power",
    "breeder.use_kmeans_selection",
    "breeder.use_batch_priors",
    "model.name",
    "data.use_timesteps",
)

PYTHON_ONLY_KEYS = ("checkpoint_path", "dtype", "config", "non_breed_sampler_t")

CHECKPOINT_FILE = "ogas_checkpoint.bin"


@dataclasses.dataclass
class BuiltConfig:
    """What OGASBreeder needs from its keyword arguments."""

    json_text: str
    layout: str  # "native" or "melissa"
    checkpoint_path: str
    dtype: np.dtype
    run_dir: Optional[str]
    ignored: List[str] = dataclasses.field(default_factory=list)  # keys taken out here


def _to_plain(obj: Any, path: str) -> Any:
    """Recursively turn mappings, dataclasses, NumPy and torch values into JSON types."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise OGASValueError(f"config: {path or 'config'}: keys must be strings, got {k!r}", 1)
            out[k] = _to_plain(v, f"{path}.{k}" if path else k)
        return out
    if hasattr(obj, "detach") and hasattr(obj, "tolist"):  # torch.Tensor
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        return [_to_plain(v, f"{path}[{i}]") for i, v in enumerate(obj.tolist())]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, (list, tuple)):
        return [_to_plain(v, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, float) and not math.isfinite(obj):
        raise OGASValueError(f"config: {path}: expected a finite number, got {obj!r}", 1)
    if isinstance(obj, enum.Enum):
        return obj.value if isinstance(obj.value, (str, int, float, bool)) else obj.name
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    # Anything else (a torch.device, a dtype, ...) can only be a setting ogas
    # does not use; keep its text so that it is listed as ignored.
    return str(obj)


def _merge(base: Dict[str, Any], over: Mapping[str, Any]) -> Dict[str, Any]:
    """Recursive dict update: nested sections merge, other values replace."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _pop_path(cfg: Dict[str, Any], path: str) -> bool:
    """Remove the key at a dotted path; whether it was there."""
    *parents, last = path.split(".")
    node: Any = cfg
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and last in node:
        del node[last]
        return True
    return False


def _has_path(cfg: Mapping[str, Any], path: str) -> bool:
    node: Any = cfg
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


_SAMPLER_ALIASES = {
    "uniform": "uniform",
    "random": "uniform",
    "random_uniform": "uniform",
    "lhs": "lhs",
    "latin_hypercube": "lhs",
    "halton": "halton",
    "sobol": "sobol",
}


def _sampler_from_reference(value: Any) -> str:
    """The reference's non_breed_sampler_t (ParameterSamplerType or a string) as an ogas name."""
    name = value.name if hasattr(value, "name") and not isinstance(value, str) else str(value)
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    for prefix in ("parametersamplertype.", "sampler_"):
        if key.startswith(prefix):
            key = key[len(prefix):]
    if key not in _SAMPLER_ALIASES:
        raise OGASValueError(
            f"config: non_breed_sampler_t: expected one of uniform/random, lhs, halton, sobol, got {name!r}",
            1,
        )
    return _SAMPLER_ALIASES[key]


def _fix_seed(cfg: Dict[str, Any], key: str = "seed") -> None:
    seed = cfg.get(key)
    if isinstance(seed, int) and not isinstance(seed, bool) and seed > 2**63 - 1:
        cfg[key] = str(seed)  # jansson reads integers as int64; the library accepts digit strings


def to_melissa(cfg: Mapping[str, Any]) -> Dict[str, Any]:
    """Native-layout settings (possibly with reference-only keys) as a Melissa study mapping."""
    study: Dict[str, Any] = {}
    breed: Dict[str, Any] = {}
    for k, v in cfg.items():
        if k == "nb_params":
            study["nb_parameters"] = v
        elif k == "nb_sims":
            study["parameter_sweep_size"] = v
        elif k in ("l_bounds", "u_bounds", "seed"):
            study[k] = v
        else:
            breed[k] = v
    return {
        "study_options": study,
        "active_sampling_config": {"breeder_backend": "ogas_breeder", "breed_params": breed},
    }


def _run_dir_of(cfg: Mapping[str, Any]) -> Optional[str]:
    for path in ("run_dir", "active_sampling_config.breed_params.run_dir"):
        if _has_path(cfg, path):
            node: Any = cfg
            for part in path.split("."):
                node = node[part]
            return node if isinstance(node, str) and node else None
    return None


def default_checkpoint_path(explicit: Optional[str], run_dir: Optional[str]) -> str:
    """checkpoint_path if given, else <run_dir>/ogas_checkpoint.bin, else ./ogas_checkpoint.bin (absolute)."""
    if explicit:
        return os.path.abspath(os.fspath(explicit))
    return os.path.abspath(os.path.join(run_dir or os.getcwd(), CHECKPOINT_FILE))


def _dtype_of(value: Any) -> np.dtype:
    dt = np.dtype(value if value is not None else np.float64)
    if dt.kind != "f":
        raise OGASValueError(f"config: dtype: expected a floating-point dtype, got {dt}", 1)
    return dt


def build(kwargs: Mapping[str, Any]) -> BuiltConfig:
    """Build the JSON text and Python-side settings from OGASBreeder's keyword arguments."""
    kw = dict(kwargs)
    checkpoint_path = kw.pop("checkpoint_path", None)
    dtype = _dtype_of(kw.pop("dtype", None))
    reference_obj = kw.pop("config", None)
    sampler_t = kw.pop("non_breed_sampler_t", None)

    cfg: Dict[str, Any] = {}
    if reference_obj is not None:
        cfg = _to_plain(reference_obj, "config")
        if not isinstance(cfg, dict):
            raise OGASValueError("config: config= must be a mapping or a dataclass (an ExperimentConfig)", 1)
    cfg = _merge(cfg, _to_plain(kw, ""))

    melissa = "study_options" in cfg or "active_sampling_config" in cfg
    lenient = melissa or reference_obj is not None
    ignored: List[str] = []
    if not lenient:
        ignored = [p for p in REFERENCE_ONLY_PATHS if _pop_path(cfg, p)]
        if "non_breed_sampling_strategy" in cfg:  # the reference DefaultBreeder's spelling
            cfg.setdefault("non_breed_sampler", _sampler_from_reference(cfg.pop("non_breed_sampling_strategy")))
    if sampler_t is not None:
        name = _sampler_from_reference(sampler_t)
        if melissa:
            bp = cfg.setdefault("active_sampling_config", {}).setdefault("breed_params", {})
            bp.setdefault("non_breed_sampler", name)
        else:
            cfg.setdefault("non_breed_sampler", name)
    if not melissa and lenient:
        cfg = to_melissa(cfg)
    if "study_options" in cfg and isinstance(cfg["study_options"], dict):
        _fix_seed(cfg["study_options"])
    else:
        _fix_seed(cfg)
    run_dir = _run_dir_of(cfg)
    return BuiltConfig(
        json_text=json.dumps(cfg),
        layout="melissa" if lenient else "native",
        checkpoint_path=default_checkpoint_path(checkpoint_path, run_dir),
        dtype=dtype,
        run_dir=run_dir,
        ignored=ignored,
    )


_COMMENT_OR_STRING = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r',(\s*[\]}])')


def loads_relaxed(text: str) -> Any:
    """json.loads for the relaxed syntax the library accepts (comments, trailing commas)."""
    text = _COMMENT_OR_STRING.sub(lambda m: m.group(0) if m.group(0).startswith('"') else " ", text)
    # Trailing commas: only outside strings; strings were kept verbatim above, so
    # split on them again and fix the gaps.
    parts = re.split(r'("(?:\\.|[^"\\])*")', text)
    parts = [p if i % 2 else _TRAILING_COMMA.sub(r"\1", p) for i, p in enumerate(parts)]
    return json.loads("".join(parts))


def run_dir_of_text(text: str) -> Optional[str]:
    """run_dir of a config text in either layout, or None (also when it does not parse)."""
    try:
        cfg = loads_relaxed(text)
    except ValueError:
        return None
    return _run_dir_of(cfg) if isinstance(cfg, dict) else None


def split_python_keys(kwargs: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(Python-only keys, the rest)."""
    py = {k: v for k, v in kwargs.items() if k in PYTHON_ONLY_KEYS}
    rest = {k: v for k, v in kwargs.items() if k not in PYTHON_ONLY_KEYS}
    return py, rest
