"""ogas.mpi — the breeder on one rank of an mpi4py training server (``ogas_mpi.h``).

:class:`MPIBreeder` is a ctypes binding of libogas_mpi (built with the MPI
layer: ``cmake -DOGAS_MPI=ON``, the default when MPI is found) over an mpi4py
communicator. The breeder lives on ``breed_rank``; every rank records its
per-sample losses, which are forwarded to the breed rank with non-blocking
sends; generation breaks and checkpoints are collective::

    from mpi4py import MPI
    from ogas.mpi import MPIBreeder

    comm = MPI.COMM_WORLD
    with MPIBreeder(comm, breed_rank=0, nb_params=2, l_bounds=[0, 0],
                    u_bounds=[1, 1], nb_sims=1000) as b:
        ...
        b.record_increments(sim_ids, time_steps, losses, batch_idx)   # any rank
        first, last = b.generation_break(-1, last_submitted)           # every rank
        ids, params, is_bred = b.scatter_parameters(first, last)       # every rank

Collective methods must be called by every rank in the same order; errors
(including the breeder's own, raised on the breed rank) become the same
exception on every rank (see :mod:`ogas.errors`).

libogas_mpi is looked up through ``OGAS_MPI_LIBRARY``, next to the loaded
libogas, in the source tree's build directories, then on the system. It must
be linked against the MPI library mpi4py uses (Debian: both use Open MPI).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import threading
from pathlib import Path
from typing import Any, List, Optional, Tuple

import numpy as np

from . import _config, _lib
from .breeder import Stats, _as_float64, _as_int64, _from_struct, _index, _sized
from .errors import OGASValueError, error_for_status

__all__ = ["MPIBreeder", "mpi_library_path"]

_ERRLEN = 1024
_vp = ctypes.c_void_p
_st = ctypes.c_int
_i64p = ctypes.POINTER(ctypes.c_int64)
_EVERY_RANK = -1
_ORDERED = 1

_PROTOTYPES = {
    "ogas_mpi_create_f": (_st, [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint,
                                ctypes.POINTER(_vp), ctypes.c_char_p, ctypes.c_size_t]),
    "ogas_mpi_create_from_file_f": (_st, [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint,
                                          ctypes.POINTER(_vp), ctypes.c_char_p, ctypes.c_size_t]),
    "ogas_mpi_free": (None, [_vp]),
    "ogas_mpi_errmsg": (ctypes.c_char_p, [_vp]),
    "ogas_mpi_rank": (ctypes.c_int, [_vp]),
    "ogas_mpi_size": (ctypes.c_int, [_vp]),
    "ogas_mpi_breed_rank": (ctypes.c_int, [_vp]),
    "ogas_mpi_is_breed_rank": (ctypes.c_int, [_vp]),
    "ogas_mpi_nb_params": (ctypes.c_size_t, [_vp]),
    "ogas_mpi_nb_sims": (ctypes.c_int64, [_vp]),
    "ogas_mpi_record_increments": (_st, [_vp, _vp, _vp, _vp, ctypes.c_size_t, ctypes.c_int64]),
    "ogas_mpi_progress": (_st, [_vp]),
    "ogas_mpi_flush": (_st, [_vp]),
    "ogas_mpi_generation_break": (_st, [_vp, ctypes.c_int64, ctypes.c_int64, _i64p, _i64p,
                                        ctypes.POINTER(ctypes.c_size_t)]),
    "ogas_mpi_get_parameters": (_st, [_vp, ctypes.c_int64, ctypes.c_int64, _vp, _vp]),
    "ogas_mpi_scatter_parameters": (_st, [_vp, ctypes.c_int64, ctypes.c_int64, ctypes.c_size_t,
                                          _vp, _vp, _vp, ctypes.POINTER(ctypes.c_size_t)]),
    "ogas_mpi_train_sampler": (_st, [_vp, ctypes.c_int64]),
    "ogas_mpi_checkpoint_state": (_st, [_vp, ctypes.c_char_p]),
    "ogas_mpi_restart_from_checkpoint": (_st, [_vp, ctypes.c_char_p]),
    "ogas_mpi_get_stats": (_st, [_vp, ctypes.POINTER(_lib.StatsStruct)]),
}

_lock = threading.Lock()
_mlib: Optional[ctypes.CDLL] = None
_mlib_path: Optional[str] = None


def _candidates() -> List[str]:
    env = os.environ.get("OGAS_MPI_LIBRARY")
    if env:
        return [env]
    out: List[str] = []
    try:
        base = Path(_lib.library_path())
        if base.parent != Path("."):
            out += sorted(glob.glob(str(base.parent / "libogas_mpi.so*")))
    except OSError:
        pass
    repo = Path(__file__).resolve().parent.parent.parent
    if (repo / "include" / "ogas_mpi.h").is_file():
        out.append(str(repo / "build" / "libogas_mpi.so"))
    found = ctypes.util.find_library("ogas_mpi")
    if found:
        out.append(found)
    return out


def _library() -> ctypes.CDLL:
    global _mlib, _mlib_path
    if _mlib is not None:
        return _mlib
    with _lock:
        if _mlib is None:
            cands = _candidates()
            path = next((c for c in cands if os.path.isfile(c) or (os.sep not in c and c.startswith("lib"))), None)
            if path is None:
                raise OSError(
                    "ogas.mpi: cannot find libogas_mpi.so (built when CMake finds MPI; "
                    "set OGAS_MPI_LIBRARY to its path). Looked in: " + (", ".join(cands) or "(nowhere)")
                )
            lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
            for name, (restype, argtypes) in _PROTOTYPES.items():
                fn = getattr(lib, name)
                fn.restype, fn.argtypes = restype, argtypes
            _mlib, _mlib_path = lib, path
    return _mlib


def mpi_library_path() -> str:
    """Path of the libogas_mpi that is (or would be) loaded."""
    _library()
    assert _mlib_path is not None
    return _mlib_path


class MPIBreeder:
    """The libogas breeder on rank ``breed_rank`` of ``comm`` (an mpi4py communicator).

    Construction is collective. The configuration is the keyword arguments of
    :class:`~ogas.OGASBreeder` (native or Melissa layout), given on every rank
    (``config_rank=None``, the default) or only on rank ``config_rank``
    (the other ranks pass none). ``config_file`` instead reads a JSON file on
    the breed rank only. With ``ordered=True`` forwarded increments are
    recorded rank by rank at each collective call, which makes a run with
    ``breeder.async_training = false`` reproducible bit for bit.
    """

    _handle: Optional[int] = None

    def __init__(self, comm: Any, breed_rank: int = 0, config_rank: Optional[int] = None,
                 ordered: bool = False, config_file: Optional[str] = None, **config: Any) -> None:
        lib = _library()
        self._lib = lib
        self._comm = comm
        fcomm = comm.py2f()
        flags = _ORDERED if ordered else 0
        out = _vp()
        err = ctypes.create_string_buffer(_ERRLEN)
        if config_file is not None:
            st = lib.ogas_mpi_create_from_file_f(fcomm, breed_rank, os.fsencode(config_file), flags,
                                                 ctypes.byref(out), err, _ERRLEN)
        else:
            rank = comm.Get_rank()
            text = None
            if config_rank is None or config_rank == rank:
                text = _config.build(config).json_text.encode()
            st = lib.ogas_mpi_create_f(fcomm, breed_rank, _EVERY_RANK if config_rank is None else config_rank,
                                       text, flags, ctypes.byref(out), err, _ERRLEN)
        if st:
            raise error_for_status(st, err.value.decode("utf-8", "replace"))
        self._handle = out.value
        self._h = _vp(out.value)
        self.nb_params = int(lib.ogas_mpi_nb_params(self._h))
        self.nb_sims = int(lib.ogas_mpi_nb_sims(self._h))
        self.rank = int(lib.ogas_mpi_rank(self._h))
        self.size = int(lib.ogas_mpi_size(self._h))
        self.breed_rank = int(lib.ogas_mpi_breed_rank(self._h))
        self.is_breed_rank = bool(lib.ogas_mpi_is_breed_rank(self._h))

    # -- lifetime -------------------------------------------------------

    def close(self) -> None:
        """Collective: deliver what is in flight, free the breeder and the handle. Idempotent."""
        if self._handle is not None:
            h, self._handle = self._h, None
            self._lib.ogas_mpi_free(h)

    def __enter__(self) -> "MPIBreeder":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else f"nb_params={self.nb_params} nb_sims={self.nb_sims}"
        return f"<MPIBreeder rank {getattr(self, 'rank', '?')}, breed rank {getattr(self, 'breed_rank', '?')}, {state}>"

    def __reduce__(self) -> Any:
        raise TypeError("ogas.mpi.MPIBreeder cannot be pickled: it is a handle on ranks of a communicator")

    def _live(self) -> _vp:
        if self._handle is None:
            raise ValueError("ogas: operation on a closed MPIBreeder")
        return self._h

    def _check(self, st: int) -> None:
        if st:
            raise error_for_status(st, self._lib.ogas_mpi_errmsg(self._h).decode("utf-8", "replace"))

    # -- local ------------------------------------------------------------

    def record_increments(self, sim_ids: Any, time_steps: Any, values: Any, batch_idx: int = 0) -> None:
        """Local, any rank: per-sample losses, forwarded to the breed rank (never waits)."""
        ids = _as_int64(sim_ids, "sim_ids")
        vals = _as_float64(values, "values")
        n = ids.shape[0]
        if vals.shape[0] != n:
            raise OGASValueError(f"record_increments: sim_ids has {n} entries but values has {vals.shape[0]}", 1)
        ts_ptr = None
        if time_steps is not None:
            ts = _as_int64(time_steps, "time_steps")
            if ts.shape[0] != n:
                raise OGASValueError(f"record_increments: sim_ids has {n} entries but time_steps has {ts.shape[0]}", 1)
            ts_ptr = ts.ctypes.data if n else None
        self._check(self._lib.ogas_mpi_record_increments(
            self._live(), ids.ctypes.data if n else None, ts_ptr, vals.ctypes.data if n else None, n,
            _index(batch_idx, "batch_idx")))

    def progress(self) -> None:
        """Local: on the breed rank, record what has arrived; elsewhere, reap finished sends."""
        self._check(self._lib.ogas_mpi_progress(self._live()))

    # -- collective -------------------------------------------------------

    def flush(self) -> None:
        """Collective: every increment recorded so far reaches the breeder."""
        self._check(self._lib.ogas_mpi_flush(self._live()))

    def generation_break(self, max_breeding_count: int = -1, last_submitted_sim_id: int = -1) -> Tuple[int, int]:
        """Collective: next_parameters + concretize on the breed rank; (first_id, last_id) on every rank."""
        first, last, staged = ctypes.c_int64(-1), ctypes.c_int64(-1), ctypes.c_size_t(0)
        self._check(self._lib.ogas_mpi_generation_break(
            self._live(), _index(max_breeding_count, "max_breeding_count"),
            _index(last_submitted_sim_id, "last_submitted_sim_id"), ctypes.byref(first), ctypes.byref(last),
            ctypes.byref(staged)))
        return int(first.value), int(last.value)

    def get_parameters(self, first_id: int, count: int) -> Tuple[np.ndarray, np.ndarray]:
        """Collective: rows first_id .. first_id+count-1 (params (count, nb_params), is_bred) on every rank."""
        count = _index(count, "count")
        params = np.empty((max(count, 0), self.nb_params), dtype=np.float64)
        bred = np.empty(max(count, 0), dtype=np.intc)
        self._check(self._lib.ogas_mpi_get_parameters(self._live(), _index(first_id, "first_id"), count,
                                                      params.ctypes.data, bred.ctypes.data))
        return params, bred.astype(bool)

    def scatter_parameters(self, first_id: int, last_id: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Collective: rows first_id .. last_id dealt round-robin; this rank's (ids, params, is_bred)."""
        first_id, last_id = _index(first_id, "first_id"), _index(last_id, "last_id")
        count = max(last_id - first_id + 1, 0)
        cap = (count - 1 - self.rank) // self.size + 1 if count > self.rank else 0
        ids = np.empty(max(cap, 1), dtype=np.int64)
        params = np.empty((max(cap, 1), self.nb_params), dtype=np.float64)
        bred = np.empty(max(cap, 1), dtype=np.intc)
        n = ctypes.c_size_t(0)
        self._check(self._lib.ogas_mpi_scatter_parameters(self._live(), first_id, last_id, cap, ids.ctypes.data,
                                                          params.ctypes.data, bred.ctypes.data, ctypes.byref(n)))
        k = int(n.value)
        return ids[:k].copy(), params[:k].copy(), bred[:k].astype(bool)

    def train_sampler(self, steps: int = 0) -> None:
        """Collective: ogas_train_sampler(steps) on the breed rank after the flush."""
        self._check(self._lib.ogas_mpi_train_sampler(self._live(), _index(steps, "steps")))

    def checkpoint_state(self, path: Any) -> None:
        """Collective: checkpoint the breeder (path read on the breed rank)."""
        self._check(self._lib.ogas_mpi_checkpoint_state(self._live(), os.fsencode(path)))

    def restart_from_checkpoint(self, path: Any) -> None:
        """Collective: restore the breeder from path (read on the breed rank)."""
        self._check(self._lib.ogas_mpi_restart_from_checkpoint(self._live(), os.fsencode(path)))

    def get_stats(self) -> Stats:
        """Collective: the breeder's counters on every rank."""
        st = _sized(_lib.StatsStruct)
        self._check(self._lib.ogas_mpi_get_stats(self._live(), ctypes.byref(st)))
        return _from_struct(Stats, st)
