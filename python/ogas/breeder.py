"""OGASBreeder: the libogas breeder behind the reference Python breeder's interface."""

from __future__ import annotations

import ctypes
import dataclasses
import os
import threading
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _config, _lib
from .errors import OGASError, OGASRangeError, OGASValueError, error_for_status, warn_ignored

__all__ = ["GenerationInfo", "OGASBreeder", "Stats"]

ArrayLike = Union[np.ndarray, Sequence[float], Sequence[int], int, float, Any]
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

_ERRLEN = 1024
_I64 = np.dtype(np.int64)
_F64 = np.dtype(np.float64)
_c_int64 = ctypes.c_int64
_c_double = ctypes.c_double
_c_int64_p = ctypes.POINTER(ctypes.c_int64)
_c_double_p = ctypes.POINTER(ctypes.c_double)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

_NOT_COPYABLE = (
    "OGASBreeder cannot be copied or pickled: it owns a C breeder (its tables, models and "
    "training thread). Save it with checkpoint_state(path) and load the state into another "
    "OGASBreeder of the same configuration with restart_from_checkpoint(path)."
)


def _path_bytes(path: PathLike, what: str) -> bytes:
    """A path (str, bytes or os.PathLike) as the bytes the C library gets (os.fsencode),
    so that non-UTF-8 names round-trip; a NUL byte, which would cut it short, is an error."""
    try:
        raw = os.fsencode(path)
    except TypeError:
        raise TypeError(f"{what}: expected a path (str, bytes or os.PathLike), got {path!r}") from None
    if b"\0" in raw:
        raise OGASValueError(f"{what}: the path {path!r} contains a NUL byte", 1)
    if not raw:
        raise OGASValueError(f"{what}: the path is empty", 1)
    return raw


def _int64_ptr(a: np.ndarray) -> Any:
    """A ctypes pointer argument to a's data (a: contiguous int64, non-empty)."""
    try:
        return _c_int64.from_buffer(a)  # writable arrays: the fast path
    except (TypeError, ValueError):  # read-only buffer
        return ctypes.cast(a.ctypes.data, _c_int64_p)


def _double_ptr(a: np.ndarray) -> Any:
    """A ctypes pointer argument to a's data (a: contiguous float64, non-empty)."""
    try:
        return _c_double.from_buffer(a)
    except (TypeError, ValueError):
        return ctypes.cast(a.ctypes.data, _c_double_p)


@dataclasses.dataclass(frozen=True)
class GenerationInfo:
    """What one generation did (mirror of ``ogas_generation_info``)."""

    generation: int
    breed_ratio: float
    n_children: int
    n_bred: int
    n_non_bred: int
    n_oob_regenerated: int
    n_clipped: int
    target_mean: float
    ddpm_steps: int
    ddpm_steps_since_last: int
    ratio_steps: int
    train_cpu_s_since_last: float
    ddpm_loss: float
    ratio_loss: float
    reservoir_entries: int
    values_rejected: int
    generate_ms: float
    not_bred_reason: str
    ddpm_steps_dropped: int
    trust_entries: int
    trust_loss_high: float
    trust_loss_low: float
    trust_z: float
    outcome_bred: int
    outcome_non_bred: int
    outcome_z: float
    trusted: int


@dataclasses.dataclass(frozen=True)
class Stats:
    """Counters of the difficulty signal and training (mirror of ``ogas_stats``)."""

    values_accepted: int
    rejected_nonfinite: int
    rejected_negative: int
    rejected_unknown_id: int
    reservoir_entries: int
    ddpm_steps: int
    ratio_steps: int
    budget_pending: int
    ddpm_loss: float
    ratio_loss: float
    train_cpu_s: float
    n_staged: int
    highest_submitted_id: int
    telemetry_failures: int


def _sized(struct_type: type) -> ctypes.Structure:
    """A struct for the library to fill, with struct_size set to its size."""
    st = struct_type()
    st.struct_size = ctypes.sizeof(struct_type)
    return st


def _from_struct(cls: type, st: ctypes.Structure) -> Any:
    if st.struct_size != ctypes.sizeof(type(st)):
        raise OGASError(
            f"ogas: the library filled {st.struct_size} bytes of {type(st).__name__}, this "
            f"package expects {ctypes.sizeof(type(st))}: mismatched libogas "
            f"({_lib.library_path()})"
        )
    vals = {}
    for f in dataclasses.fields(cls):
        v = getattr(st, f.name)
        vals[f.name] = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
    return cls(**vals)


def _as_numpy(x: Any, what: str) -> np.ndarray:
    """x as a 1-D NumPy array (torch tensors are detached and moved to the CPU)."""
    if type(x) is not np.ndarray:
        if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch.Tensor
            x = x.detach().cpu().numpy()
        else:
            x = np.asarray(x)
    if x.ndim != 1:
        x = x.reshape(-1)
    return x


def _as_int64(x: Any, what: str) -> np.ndarray:
    """Any integer (or integral float) array as contiguous int64, else ValueError/TypeError."""
    a = _as_numpy(x, what)
    dt = a.dtype
    if dt is _I64 or dt == _I64:
        return a if a.flags.c_contiguous else np.ascontiguousarray(a)
    kind = dt.kind
    if kind == "i":
        return a.astype(np.int64)
    if kind == "u":
        if a.size and dt.itemsize == 8 and int(a.max()) > 2**63 - 1:
            raise OGASValueError(f"{what}: value {int(a.max())} does not fit a 64-bit signed integer", 1)
        return a.astype(np.int64)
    if kind == "f":
        if a.size and not (np.all(np.isfinite(a)) and np.all(a == np.floor(a))):
            raise OGASValueError(f"{what}: expected integers, got non-integral values", 1)
        if a.size and (a.min() < -(2.0**63) or a.max() >= 2.0**63):
            raise OGASValueError(f"{what}: values do not fit a 64-bit signed integer", 1)
        return a.astype(np.int64)
    if kind == "b":
        return a.astype(np.int64)
    raise TypeError(f"{what}: expected an integer array, got dtype {dt}")


def _as_float64(x: Any, what: str) -> np.ndarray:
    """Any integer or float array as contiguous float64, else TypeError."""
    a = _as_numpy(x, what)
    dt = a.dtype
    if dt is _F64 or dt == _F64:
        return a if a.flags.c_contiguous else np.ascontiguousarray(a)
    if dt.kind in "fiub":
        return a.astype(np.float64)
    raise TypeError(f"{what}: expected a numeric array, got dtype {dt}")


def _index(x: Any, what: str) -> int:
    """A Python int from an int-like (NumPy integer, integral float, 0-d array) that
    fits the C side's int64_t (OGASRangeError otherwise: ctypes would wrap it)."""
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{what}: expected an integer, got a boolean")
    v: Optional[int] = None
    try:
        v = int(x.__index__())
    except (AttributeError, TypeError):
        if isinstance(x, (float, np.floating)) and float(x).is_integer():
            v = int(x)
        elif isinstance(x, np.ndarray) and x.ndim == 0:
            return _index(x.item(), what)
    if v is None:
        raise TypeError(f"{what}: expected an integer, got {x!r}")
    if not _INT64_MIN <= v <= _INT64_MAX:
        raise OGASRangeError(f"{what}: {v} does not fit a 64-bit signed integer", _lib.OGAS_ERANGE)
    return v


class _Calls:
    """The calls in flight on one breeder, so that close() frees the C breeder
    only once no other thread can still be about to use it."""

    __slots__ = ("_cv", "_n", "closed")

    def __init__(self) -> None:
        self._cv = threading.Condition(threading.Lock())
        self._n = 0
        self.closed = False

    def __enter__(self) -> None:
        with self._cv:
            if self.closed:
                raise ValueError("ogas: operation on a closed OGASBreeder")
            self._n += 1

    def __exit__(self, *exc: Any) -> None:
        with self._cv:
            self._n -= 1
            if self._n == 0 and self.closed:
                self._cv.notify_all()

    def close(self) -> bool:
        """Refuse new calls, wait for those in flight; True for the call that closed."""
        with self._cv:
            if self.closed:
                return False
            self.closed = True
            while self._n:
                self._cv.wait()
            return True


class OGASBreeder:
    """Online Generative Active Sampling breeder (libogas), with the reference breeder's methods.

    The keyword arguments are the breeder's configuration, exactly the JSON
    object of docs/config.md::

        OGASBreeder(nb_params=2, l_bounds=[0, 10], u_bounds=[1, 60],
                    nb_sims=1000, seed=42,
                    breeder={"end_breed_ratio": 0.7},
                    model={"model_dim": 256}, data={"buffer_size": 6000})

    Also accepted:

    * ``config=``: an ExperimentConfig-like object (a mapping, or a dataclass
      whose ``breeder``/``model``/``data`` fields are dataclasses or mappings),
      merged under the other keyword arguments;
    * a whole Melissa study mapping (``study_options=..., active_sampling_config=...``);
    * the reference breeder's extra arguments: ``dtype`` (dtype of the
      parameter arrays this object returns; default float64) and
      ``non_breed_sampler_t`` (ParameterSamplerType or its name);
    * ``checkpoint_path``: default file of :meth:`checkpoint_state` and
      :meth:`restart_from_checkpoint` (default ``<run_dir>/ogas_checkpoint.bin``,
      or ``ogas_checkpoint.bin`` in the current directory).

    Settings in the native layout are checked strictly: an unknown key is an
    :class:`~ogas.OGASValueError` naming it. The reference breeder's own keys
    that ogas does not implement (``model.name``, ``breeder.ratio_mlp_dropout``,
    ...) are taken out, listed in :attr:`ignored_keys` and reported with an
    :class:`~ogas.OGASConfigWarning`; every other key stays strictly checked.
    ``breeder.activate_breed`` is a setting (false: nothing is bred). Settings
    that come from the reference breeder's world (a Melissa study mapping, or
    ``config=``) are read in the Melissa study layout, where keys that ogas
    does not use are listed and warned about instead of failing.

    Every method is safe from any thread; calls release the GIL while the C
    library works. :meth:`close` waits for the calls other threads are making
    (a ``train_sampler`` in progress finishes first); calls after it raise
    ``ValueError``. A breeder cannot be copied or pickled (``TypeError``): use
    :meth:`checkpoint_state` and :meth:`restart_from_checkpoint`. Errors
    become exceptions carrying the library's message (see :mod:`ogas.errors`).
    """

    # Set before anything can fail, so that __del__ always finds it.
    _handle: Optional[int] = None

    def __init__(self, **kwargs: Any) -> None:
        built = _config.build(kwargs)
        self._create(lambda lib, out, err: lib.ogas_breeder_create(built.json_text.encode(), out, err, _ERRLEN))
        self._init_python_side(built.checkpoint_path, built.dtype, built.layout, built.json_text,
                               built.ignored)

    # -- construction --------------------------------------------------

    @classmethod
    def from_file(cls, path: PathLike, **python_options: Any) -> "OGASBreeder":
        """Create from a JSON config file in either layout (comments and trailing commas allowed).

        ``python_options`` may hold ``checkpoint_path`` and ``dtype``.
        Raises OGASIOError (an OSError) when the file cannot be read, and
        OGASValueError for a bad config (the message starts with the path).
        """
        self = cls.__new__(cls)
        raw = _path_bytes(path, "from_file")
        unknown = set(python_options) - {"checkpoint_path", "dtype"}
        if unknown:
            raise TypeError(f"from_file: unexpected keyword arguments {sorted(unknown)}")
        self._create(lambda lib, out, err: lib.ogas_breeder_create_from_file(raw, out, err, _ERRLEN))
        text = None
        try:
            with open(raw, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            pass
        run_dir = _config.run_dir_of_text(text) if text is not None else None
        layout = "melissa" if text and ('"study_options"' in text or '"active_sampling_config"' in text) else "native"
        self._init_python_side(
            _config.default_checkpoint_path(python_options.get("checkpoint_path"), run_dir),
            _config._dtype_of(python_options.get("dtype")),
            layout,
            text,
        )
        return self

    @classmethod
    def from_json(cls, text: str, **python_options: Any) -> "OGASBreeder":
        """Create from JSON text in either layout; ``python_options`` as in :meth:`from_file`."""
        self = cls.__new__(cls)
        unknown = set(python_options) - {"checkpoint_path", "dtype"}
        if unknown:
            raise TypeError(f"from_json: unexpected keyword arguments {sorted(unknown)}")
        if "\0" in text:
            raise OGASValueError("from_json: the text contains a NUL character", 1)
        self._create(lambda lib, out, err: lib.ogas_breeder_create(text.encode(), out, err, _ERRLEN))
        layout = "melissa" if ('"study_options"' in text or '"active_sampling_config"' in text) else "native"
        self._init_python_side(
            _config.default_checkpoint_path(python_options.get("checkpoint_path"), _config.run_dir_of_text(text)),
            _config._dtype_of(python_options.get("dtype")),
            layout,
            text,
        )
        return self

    def _create(self, call: Any) -> None:
        lib = _lib.library()
        out = ctypes.c_void_p()
        err = ctypes.create_string_buffer(_ERRLEN)
        st = call(lib, ctypes.byref(out), err)
        if st != _lib.OGAS_OK:
            raise error_for_status(st, err.value.decode("utf-8", "replace"))
        self._lib = lib
        self._handle = out.value
        self._h = ctypes.c_void_p(out.value)
        self._calls = _Calls()

    def _init_python_side(
        self,
        checkpoint_path: str,
        dtype: np.dtype,
        layout: str,
        config_text: Optional[str],
        python_ignored: Sequence[str] = (),
    ) -> None:
        lib = self._lib
        self._nb_params = int(lib.ogas_nb_params(self._h))
        self._nb_sims = int(lib.ogas_nb_sims(self._h))
        self.checkpoint_path: str = checkpoint_path
        self.dtype: np.dtype = dtype
        self.layout: str = layout
        self.config_text: Optional[str] = config_text
        # Bound once: record_increments is the hot path (see bench/python_overhead.py).
        self._record = lib.ogas_record_increments
        self._row = np.empty(self._nb_params, dtype=np.float64)
        self.ignored_keys: List[str] = list(python_ignored) + self._read_ignored_keys()
        warn_ignored(self.ignored_keys, stacklevel=4)

    def _read_ignored_keys(self) -> List[str]:
        n = int(self._lib.ogas_config_ignored_count(self._h))
        keys = []
        for i in range(n):
            k = self._lib.ogas_config_ignored_key(self._h, i)
            if k is not None:
                keys.append(k.decode("utf-8", "replace"))
        return keys

    # -- lifetime -------------------------------------------------------

    def close(self) -> None:
        """Stop the background trainer and release the breeder. Idempotent.

        Calls other threads are making finish first; later calls raise ValueError.
        """
        calls = getattr(self, "_calls", None)
        if calls is None or not calls.close():
            return
        h, self._handle = self._h, None
        self._lib.ogas_breeder_free(h)

    def __copy__(self) -> "OGASBreeder":
        raise TypeError(_NOT_COPYABLE)

    def __deepcopy__(self, memo: Any) -> "OGASBreeder":
        raise TypeError(_NOT_COPYABLE)

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(_NOT_COPYABLE)

    def __enter__(self) -> "OGASBreeder":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass

    def __repr__(self) -> str:
        if self._handle is None or self._calls.closed:
            return "<OGASBreeder (closed)>"
        return (
            f"<OGASBreeder nb_params={self._nb_params} nb_sims={self._nb_sims} "
            f"generation={self.current_generation} R={self.R:.3g}>"
        )

    def _check(self, st: int) -> None:
        """Raise for a failing status, with the message of this thread's call (call it
        inside the `with self._calls:` of that call)."""
        if st != _lib.OGAS_OK:
            raise error_for_status(st, self._lib.ogas_errmsg(self._h).decode("utf-8", "replace"))

    # -- the reference breeder's methods -------------------------------
    # Every method runs its C calls inside `with self._calls:`, so that
    # close() on another thread cannot free the breeder under them.

    def next_parameters(self, max_breeding_count: int = -1) -> int:
        """Stage a new generation of up to ``max_breeding_count`` children (-1: every unsubmitted row).

        Returns how many children were staged (the reference returns None). A
        generation already staged and not concretized is returned as it is (a
        retry is harmless). 0 when every row is submitted.
        """
        count = _index(max_breeding_count, "max_breeding_count")
        n = ctypes.c_size_t(0)
        with self._calls:
            self._check(self._lib.ogas_next_parameters(self._h, count, ctypes.byref(n)))
        return int(n.value)

    def concretize_resampled_parameters(self, last_submitted_sim_id: int) -> Tuple[int, int]:
        """Write the staged children into ids ``last_submitted_sim_id+1 ...``; return (first_id, last_id).

        Both are -1 when nothing was written. OGASRangeError for an id outside
        -1..nb_sims-1; OGASStateError when the rows it would write include one
        already submitted (a value was reported for it, or an earlier
        concretize covered it): nothing changes then.
        """
        last_id = _index(last_submitted_sim_id, "last_submitted_sim_id")
        first = ctypes.c_int64(-1)
        last = ctypes.c_int64(-1)
        with self._calls:
            self._check(
                self._lib.ogas_concretize_resampled_parameters(
                    self._h, last_id, ctypes.byref(first), ctypes.byref(last)
                )
            )
        return int(first.value), int(last.value)

    def train_sampler(self, steps: int = 0) -> None:
        """Train now: ``steps`` DDPM steps (0: the budget granted so far).

        With synchronous training they run on the calling thread. With
        background training (the default) ``steps`` are added to the
        background thread's budget and this waits until that thread has spent
        its whole budget (or nothing can be trained).
        """
        n = _index(steps, "steps")
        with self._calls:
            self._check(self._lib.ogas_train_sampler(self._h, n))

    def record_increments(
        self,
        sim_ids: ArrayLike,
        time_steps: Optional[ArrayLike],
        values: ArrayLike,
        batch_idx: int = 0,
    ) -> None:
        """Report per-sample difficulty values (losses): ``values[i]`` belongs to ``sim_ids[i]``
        at ``time_steps[i]``.

        Arrays (NumPy of any integer/float dtype, lists, scalars, CPU torch
        tensors) are flattened and converted; they must have the same length.
        ``time_steps`` may be None. Non-finite or negative values and unknown
        ids are counted (see :attr:`stats`) and skipped by the library.
        """
        ids = _as_int64(sim_ids, "sim_ids")
        vals = _as_float64(values, "values")
        n = ids.shape[0]
        if vals.shape[0] != n:
            raise OGASValueError(
                f"record_increments: sim_ids has {n} entries but values has {vals.shape[0]}", 1
            )
        ts_ptr = None
        if time_steps is not None:
            ts = _as_int64(time_steps, "time_steps")
            if ts.shape[0] != n:
                raise OGASValueError(
                    f"record_increments: sim_ids has {n} entries but time_steps has {ts.shape[0]}", 1
                )
            if n:
                ts_ptr = _int64_ptr(ts)
        batch = _index(batch_idx, "batch_idx")
        with self._calls:
            if n == 0:
                st = self._record(self._h, None, None, None, 0, batch)
            else:
                st = self._record(self._h, _int64_ptr(ids), ts_ptr, _double_ptr(vals), n, batch)
            if st:
                self._check(st)

    def get_parameters(self, sim_id: int) -> np.ndarray:
        """Row ``sim_id`` of the parameter table, in physical units (a new array of :attr:`dtype`)."""
        sid = _index(sim_id, "sim_id")
        out = np.empty(self._nb_params, dtype=np.float64)
        with self._calls:
            self._check(self._lib.ogas_get_parameters(self._h, sid, out.ctypes.data, None))
        return out if self.dtype == np.float64 else out.astype(self.dtype)

    def draw(self, sim_id: int) -> np.ndarray:
        """The reference's name for :meth:`get_parameters`."""
        return self.get_parameters(sim_id)

    def is_bred(self, sim_id: int) -> bool:
        """Whether the DDPM proposed row ``sim_id``."""
        sid = _index(sim_id, "sim_id")
        out = np.empty(self._nb_params, dtype=np.float64)
        flag = ctypes.c_int(0)
        with self._calls:
            self._check(
                self._lib.ogas_get_parameters(self._h, sid, out.ctypes.data, ctypes.addressof(flag))
            )
        return bool(flag.value)

    def checkpoint_state(self, path: Optional[PathLike] = None) -> Union[str, bytes]:
        """Save the complete state atomically to ``path`` (default :attr:`checkpoint_path`).

        ``path`` may be str, bytes or os.PathLike (non-UTF-8 names work). A
        symbolic link has its target replaced; a folder, FIFO or device is
        refused (OGASIOError). Returns the path written (``os.fspath`` of it).
        """
        p = path if path is not None else self.checkpoint_path
        raw = _path_bytes(p, "checkpoint_state")
        with self._calls:
            self._check(self._lib.ogas_checkpoint_state(self._h, raw))
        return os.fspath(p)

    def restart_from_checkpoint(self, path: Optional[PathLike] = None) -> Union[str, bytes]:
        """Restore the state saved by :meth:`checkpoint_state` (from Python or C).

        Returns the path read (``os.fspath`` of it). OGASIOError when it cannot be read,
        OGASCorruptError when it is damaged or foreign, OGASValueError when it
        was written under an incompatible configuration.
        """
        p = path if path is not None else self.checkpoint_path
        raw = _path_bytes(p, "restart_from_checkpoint")
        with self._calls:
            self._check(self._lib.ogas_restart_from_checkpoint(self._h, raw))
        return os.fspath(p)

    # -- attributes ------------------------------------------------------

    @property
    def nb_params(self) -> int:
        """Number of parameters d."""
        return self._nb_params

    @property
    def nb_sims(self) -> int:
        """Simulation budget: ids are 0 .. nb_sims-1."""
        return self._nb_sims

    @property
    def R(self) -> float:
        """Breed ratio of the last generation staged (0.0 before the first)."""
        with self._calls:
            return float(self._lib.ogas_breed_ratio(self._h))

    breed_ratio = R

    @property
    def current_generation(self) -> int:
        """0 for the pre-populated table, +1 per generation staged."""
        with self._calls:
            return int(self._lib.ogas_current_generation(self._h))

    @property
    def parameters(self) -> np.ndarray:
        """A copy of the whole parameter table, shape (nb_sims, nb_params), of :attr:`dtype`."""
        table = np.empty((self._nb_sims, self._nb_params), dtype=np.float64)
        with self._calls:
            self._check(self._lib.ogas_get_parameter_table(self._h, table.ctypes.data, None))
        return table if self.dtype == np.float64 else table.astype(self.dtype)

    @property
    def parameters_is_bred(self) -> np.ndarray:
        """A copy of the is-bred flags, shape (nb_sims,), dtype bool."""
        flags = np.empty(self._nb_sims, dtype=np.intc)
        with self._calls:
            self._check(self._lib.ogas_get_parameter_table(self._h, None, flags.ctypes.data))
        return flags.astype(bool)

    @property
    def stats(self) -> Stats:
        """Counters of the difficulty signal and training."""
        st = _sized(_lib.StatsStruct)
        with self._calls:
            self._check(self._lib.ogas_get_stats(self._h, ctypes.byref(st)))
        return _from_struct(Stats, st)

    def get_stats(self) -> Stats:
        """Same as :attr:`stats`."""
        return self.stats

    @property
    def telemetry_error(self) -> Optional[str]:
        """None while every write to run_dir has succeeded, else the first failure's
        message (telemetry never makes another method fail; see stats.telemetry_failures)."""
        err = ctypes.create_string_buffer(_ERRLEN)
        with self._calls:
            st = self._lib.ogas_telemetry_status(self._h, err, _ERRLEN)
            if st not in (_lib.OGAS_OK, _lib.OGAS_EIO):
                self._check(st)
        return None if st == _lib.OGAS_OK else err.value.decode("utf-8", "replace")

    def generation_info(self, generation: Optional[int] = None) -> GenerationInfo:
        """Telemetry of ``generation`` (1 .. current_generation; default the last).

        OGASRangeError outside that range.
        """
        g = self.current_generation if generation is None else _index(generation, "generation")
        info = _sized(_lib.GenerationInfoStruct)
        with self._calls:
            self._check(self._lib.ogas_generation_info_get(self._h, g, ctypes.byref(info)))
        return _from_struct(GenerationInfo, info)

    @property
    def generations(self) -> List[GenerationInfo]:
        """Telemetry of every generation staged so far, oldest first."""
        return [self.generation_info(g) for g in range(1, self.current_generation + 1)]
