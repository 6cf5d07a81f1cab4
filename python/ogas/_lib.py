"""Locating libogas and declaring its C API for ctypes.

The shared library is looked up, in this order:

1. the ``OGAS_LIBRARY`` environment variable (a path to ``libogas.so``);
2. next to this package (``ogas/libogas.so*``, for wheels that bundle it);
3. the build trees of the source checkout this package sits in
   (``<repo>/build/libogas.so``, then ``<repo>/build-*/libogas.so``);
4. ``ctypes.util.find_library("ogas")`` (an installed ``libogas.so``).

The library must be the version this package was written for: its
``ogas_version()`` must have the same MAJOR.MINOR as :data:`ABI_VERSION`
(the layouts of the structs it fills, checked again through their
``struct_size`` field on every call), else loading raises ``OSError``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import threading
from pathlib import Path
from typing import Callable, List, Optional

__all__ = [
    "ABI_VERSION",
    "GenerationInfoStruct",
    "StatsStruct",
    "find_library",
    "has_symbol",
    "library",
    "library_path",
]

# MAJOR.MINOR of the libogas API this package mirrors (include/ogas.h).
ABI_VERSION = "0.2"

# ogas_status values (include/ogas.h).
OGAS_OK = 0
OGAS_EINVAL = 1
OGAS_ENOMEM = 2
OGAS_EIO = 3
OGAS_ECORRUPT = 4
OGAS_ESTATE = 5
OGAS_ERANGE = 6

c_int64_p = ctypes.POINTER(ctypes.c_int64)
c_double_p = ctypes.POINTER(ctypes.c_double)
c_int_p = ctypes.POINTER(ctypes.c_int)
c_size_t_p = ctypes.POINTER(ctypes.c_size_t)


class GenerationInfoStruct(ctypes.Structure):
    """Mirror of ``ogas_generation_info`` (field order and types as in ogas.h)."""

    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("generation", ctypes.c_int64),
        ("breed_ratio", ctypes.c_double),
        ("n_children", ctypes.c_int64),
        ("n_bred", ctypes.c_int64),
        ("n_non_bred", ctypes.c_int64),
        ("n_oob_regenerated", ctypes.c_int64),
        ("n_clipped", ctypes.c_int64),
        ("target_mean", ctypes.c_double),
        ("ddpm_steps", ctypes.c_int64),
        ("ddpm_steps_since_last", ctypes.c_int64),
        ("ratio_steps", ctypes.c_int64),
        ("train_cpu_s_since_last", ctypes.c_double),
        ("ddpm_loss", ctypes.c_double),
        ("ratio_loss", ctypes.c_double),
        ("reservoir_entries", ctypes.c_int64),
        ("values_rejected", ctypes.c_int64),
        ("generate_ms", ctypes.c_double),
        ("not_bred_reason", ctypes.c_char * 128),
        ("ddpm_steps_dropped", ctypes.c_int64),
        ("trust_entries", ctypes.c_int64),
        ("trust_loss_high", ctypes.c_double),
        ("trust_loss_low", ctypes.c_double),
        ("trust_z", ctypes.c_double),
        ("outcome_bred", ctypes.c_int64),
        ("outcome_non_bred", ctypes.c_int64),
        ("outcome_z", ctypes.c_double),
        ("trusted", ctypes.c_int64),
    ]


class StatsStruct(ctypes.Structure):
    """Mirror of ``ogas_stats`` (field order and types as in ogas.h)."""

    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("values_accepted", ctypes.c_int64),
        ("rejected_nonfinite", ctypes.c_int64),
        ("rejected_negative", ctypes.c_int64),
        ("rejected_unknown_id", ctypes.c_int64),
        ("reservoir_entries", ctypes.c_int64),
        ("ddpm_steps", ctypes.c_int64),
        ("ratio_steps", ctypes.c_int64),
        ("budget_pending", ctypes.c_int64),
        ("ddpm_loss", ctypes.c_double),
        ("ratio_loss", ctypes.c_double),
        ("train_cpu_s", ctypes.c_double),
        ("n_staged", ctypes.c_int64),
        ("highest_submitted_id", ctypes.c_int64),
        ("telemetry_failures", ctypes.c_int64),
    ]


_vp = ctypes.c_void_p
_st = ctypes.c_int  # ogas_status is a C enum: int-sized

# name: (restype, argtypes). Pointers to caller buffers are mostly passed as
# plain addresses (c_void_p, from ndarray.ctypes.data).
_PROTOTYPES = {
    "ogas_version": (ctypes.c_char_p, []),
    "ogas_status_name": (ctypes.c_char_p, [_st]),
    "ogas_breeder_create": (_st, [ctypes.c_char_p, ctypes.POINTER(_vp), ctypes.c_char_p, ctypes.c_size_t]),
    "ogas_breeder_create_from_file": (
        _st,
        [ctypes.c_char_p, ctypes.POINTER(_vp), ctypes.c_char_p, ctypes.c_size_t],
    ),
    "ogas_breeder_free": (None, [_vp]),
    "ogas_errmsg": (ctypes.c_char_p, [_vp]),
    "ogas_nb_params": (ctypes.c_size_t, [_vp]),
    "ogas_nb_sims": (ctypes.c_int64, [_vp]),
    "ogas_get_parameters": (_st, [_vp, ctypes.c_int64, _vp, _vp]),
    # Typed pointers here: c_int64.from_buffer(array) is the cheapest way from
    # a NumPy array to a C pointer (about 0.3 us, against 1 us for .ctypes.data).
    "ogas_record_increments": (_st, [_vp, c_int64_p, c_int64_p, c_double_p, ctypes.c_size_t, ctypes.c_int64]),
    "ogas_train_sampler": (_st, [_vp, ctypes.c_int64]),
    "ogas_next_parameters": (_st, [_vp, ctypes.c_int64, c_size_t_p]),
    "ogas_concretize_resampled_parameters": (_st, [_vp, ctypes.c_int64, c_int64_p, c_int64_p]),
    "ogas_current_generation": (ctypes.c_int64, [_vp]),
    "ogas_breed_ratio": (ctypes.c_double, [_vp]),
    "ogas_generation_info_get": (_st, [_vp, ctypes.c_int64, ctypes.POINTER(GenerationInfoStruct)]),
    "ogas_get_stats": (_st, [_vp, ctypes.POINTER(StatsStruct)]),
    "ogas_get_parameter_table": (_st, [_vp, _vp, _vp]),
    "ogas_telemetry_status": (_st, [_vp, ctypes.c_char_p, ctypes.c_size_t]),
    "ogas_checkpoint_state": (_st, [_vp, ctypes.c_char_p]),
    "ogas_restart_from_checkpoint": (_st, [_vp, ctypes.c_char_p]),
    "ogas_config_ignored_count": (ctypes.c_size_t, [_vp]),
    "ogas_config_ignored_key": (ctypes.c_char_p, [_vp, ctypes.c_size_t]),
}

# Every symbol is required: the version check below rules out older builds.
_REQUIRED = list(_PROTOTYPES)

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


def _candidates() -> List[str]:
    """Paths to try, most specific first (see the module docstring)."""
    out: List[str] = []
    env = os.environ.get("OGAS_LIBRARY")
    if env:
        return [env]  # an explicit choice: never fall back silently
    here = Path(__file__).resolve().parent
    out += sorted(glob.glob(str(here / "libogas.so*")))
    repo = here.parent.parent  # python/ogas -> repo root
    if (repo / "include" / "ogas.h").is_file():
        out.append(str(repo / "build" / "libogas.so"))
        out += sorted(glob.glob(str(repo / "build-*" / "libogas.so")))
    found = ctypes.util.find_library("ogas")
    if found:
        out.append(found)
    return out


def find_library() -> str:
    """Return the path of the libogas shared library that would be loaded.

    Raises:
        OSError: no candidate exists (the message lists where it looked).
    """
    cands = _candidates()
    for c in cands:
        # find_library returns a bare soname ("libogas.so.0"): let dlopen resolve it.
        if os.path.isfile(c) or (os.sep not in c and c.startswith("lib")):
            return c
    raise OSError(
        "ogas: cannot find libogas.so; set OGAS_LIBRARY to its path, build the "
        "library (cmake -S . -B build && cmake --build build), or install it. "
        "Looked in: " + (", ".join(cands) if cands else "(nowhere)")
    )


def _declare(lib: ctypes.CDLL, name: str) -> None:
    restype, argtypes = _PROTOTYPES[name]
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = argtypes


def library() -> ctypes.CDLL:
    """Load libogas once per process and return it, with prototypes declared."""
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            path = find_library()
            lib = ctypes.CDLL(path)
            if not hasattr(lib, "ogas_version"):
                raise OSError(
                    f"ogas: {path} has no ogas_version(): a libogas older than {ABI_VERSION}, "
                    f"or not libogas; this package needs {ABI_VERSION}.x"
                )
            lib.ogas_version.restype = ctypes.c_char_p
            lib.ogas_version.argtypes = []
            version = lib.ogas_version().decode("ascii", "replace")
            if version.split(".")[:2] != ABI_VERSION.split("."):
                raise OSError(f"ogas: {path} is libogas {version}; this package needs {ABI_VERSION}.x")
            missing = [n for n in _REQUIRED if not hasattr(lib, n)]
            if missing:
                raise OSError(f"ogas: {path} lacks {', '.join(missing)}: not a libogas build")
            for name in _PROTOTYPES:
                if hasattr(lib, name):
                    _declare(lib, name)
            _lib_path = path
            _lib = lib
    return _lib


def library_path() -> str:
    """Path of the loaded library (loads it if needed)."""
    library()
    assert _lib_path is not None
    return _lib_path


def has_symbol(name: str) -> bool:
    """Whether the loaded libogas exports ``name`` (e.g. ``ogas_checkpoint_state``)."""
    return hasattr(library(), name)


def function(name: str) -> Callable[..., object]:
    """The C function ``name``, or raise NotImplementedError when this build lacks it."""
    lib = library()
    if not hasattr(lib, name):
        raise NotImplementedError(f"ogas: the loaded library ({_lib_path}) has no {name}(); rebuild libogas")
    return getattr(lib, name)
