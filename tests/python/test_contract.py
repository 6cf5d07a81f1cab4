"""The binding's side of the API contract, where careless callers meet it:
integers that do not fit int64, misspelt keyword arguments, paths (bytes,
non-UTF-8, NUL), copies and pickles, close() while another thread trains,
struct layouts checked through struct_size, and the library's version."""

from __future__ import annotations

import copy
import ctypes
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import ogas
from ogas import _lib
from conftest import REPO, small_config


def test_integers_wider_than_64_bits_are_refused(breeder: ogas.OGASBreeder) -> None:
    # Before: ctypes wrapped 2**64 + 5 to 5 and returned row 5.
    with pytest.raises(ogas.OGASRangeError, match="64-bit"):
        breeder.get_parameters(2**64 + 5)
    with pytest.raises(IndexError):
        breeder.is_bred(-(2**63) - 1)
    with pytest.raises(ogas.OGASRangeError):
        breeder.next_parameters(2**70)
    with pytest.raises(ogas.OGASRangeError):
        breeder.concretize_resampled_parameters(2**64 - 1)
    with pytest.raises(ogas.OGASRangeError):
        breeder.record_increments([0], None, [1.0], batch_idx=2**63)
    np.testing.assert_array_equal(breeder.get_parameters(5), breeder.parameters[5])


def test_misspelt_keyword_arguments_are_errors(breeder: ogas.OGASBreeder) -> None:
    # Before: swallowed, so max_breding_count=5 staged every row.
    with pytest.raises(TypeError, match="max_breding_count"):
        breeder.next_parameters(max_breding_count=5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="last_submited_sim_id"):
        breeder.concretize_resampled_parameters(last_submited_sim_id=3)  # type: ignore[call-arg]
    assert breeder.current_generation == 0
    assert breeder.next_parameters(max_breeding_count=5) == 5


def test_paths_bytes_non_utf8_and_nul(breeder: ogas.OGASBreeder, tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/state-\xff\xfe.ckpt"  # not UTF-8
    assert breeder.checkpoint_state(raw) == raw
    assert os.path.isfile(raw)
    assert breeder.restart_from_checkpoint(raw) == raw
    text_path = tmp_path / "state.ckpt"
    breeder.checkpoint_state(text_path)
    breeder.restart_from_checkpoint(str(text_path).encode())
    # Before: the C string stopped at the NUL and "a" was written.
    with pytest.raises(ValueError, match="NUL"):
        breeder.checkpoint_state(str(tmp_path / "a\0b.ckpt"))
    assert not (tmp_path / "a").exists()
    with pytest.raises(ValueError, match="NUL"):
        ogas.OGASBreeder.from_file(str(tmp_path / "x\0.json"))
    with pytest.raises(TypeError):
        breeder.checkpoint_state(3.5)  # type: ignore[arg-type]


def test_config_file_with_a_non_utf8_name(tmp_path: Path) -> None:
    import json

    raw = os.fsencode(tmp_path) + b"/cfg-\xff.json"
    with open(raw, "w") as f:
        json.dump(small_config(), f)
    with ogas.OGASBreeder.from_file(raw) as b:
        assert b.nb_sims == 160


def test_copies_and_pickles_are_refused_clearly(breeder: ogas.OGASBreeder) -> None:
    # Before: copy.copy shared the C handle (dropping the copy freed the
    # original) and pickle failed with a ctypes message.
    for make_copy in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError, match="checkpoint_state"):
            make_copy(breeder)
    assert breeder.nb_sims == 160 and breeder.parameters.shape == (160, 3)


def test_close_while_another_thread_trains() -> None:
    """Before: close() freed the C breeder under the other threads' calls (use after
    free). Now it waits for them: every call in flight returns normally before close()
    does, and later calls raise ValueError. In a child, so that a crash is a failure
    and not the end of the suite."""
    code = textwrap.dedent(
        """
        import threading, time, numpy as np, sys
        sys.path.insert(0, sys.argv[1])
        sys.path.insert(0, sys.argv[2])
        import ogas
        from conftest import small_config
        for mode in (False, True):
            b = ogas.OGASBreeder(**small_config(breeder={"async_training": mode}))
            ids = np.arange(64)
            for _ in range(4):
                b.record_increments(ids, None, np.random.random(64))
            finished, errors = [], []
            started = threading.Barrier(4)
            def work():
                started.wait()
                try:
                    b.train_sampler(3000)  # long: close() comes while it runs
                    finished.append(time.perf_counter())
                    b.get_parameters(3)
                except ValueError as e:
                    errors.append(str(e))
            threads = [threading.Thread(target=work) for _ in range(3)]
            for t in threads:
                t.start()
            started.wait()
            time.sleep(0.05)
            b.close()
            closed = time.perf_counter()
            for t in threads:
                t.join(60)
            assert len(finished) == 3, (finished, errors)
            assert all(f <= closed for f in finished), "close() returned before a call in flight"
            assert all("closed" in e for e in errors), errors
            try:
                b.get_parameters(0)
                raise AssertionError("a call after close() went through")
            except ValueError:
                pass
        print("ok")
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "python"), str(Path(__file__).resolve().parent)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr


def test_struct_size_is_checked() -> None:
    # A library that filled fewer bytes than this package expects is named,
    # not read as garbage.
    st = _lib.StatsStruct()
    st.struct_size = 16
    with pytest.raises(ogas.OGASError, match="filled 16 bytes"):
        ogas.breeder._from_struct(ogas.Stats, st)


def test_library_version_matches_the_package() -> None:
    lib = _lib.library()
    version = lib.ogas_version().decode()
    assert version.split(".")[:2] == _lib.ABI_VERSION.split(".")
    assert ogas.__version__ == version


def test_older_library_is_refused(tmp_path: Path) -> None:
    """A library without ogas_version() (0.1) is refused at load, with a message."""
    cc = os.environ.get("CC", "cc")
    so = tmp_path / "libold.so"
    src = tmp_path / "old.c"
    src.write_text("int ogas_status_name(int s) { return s; }\n")
    if subprocess.run([cc, "-shared", "-fPIC", str(src), "-o", str(so)]).returncode != 0:
        pytest.skip("no C compiler")
    code = "import ogas\ntry:\n    ogas.library_path()\nexcept OSError as e:\n    print('OSError', e)\n"
    env = {**os.environ, "OGAS_LIBRARY": str(so), "PYTHONPATH": str(REPO / "python")}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "OSError" in r.stdout and "ogas_version" in r.stdout, r.stdout + r.stderr


def test_telemetry_error_is_reported_separately(tmp_path: Path) -> None:
    with ogas.OGASBreeder(**small_config(run_dir=str(tmp_path / "run"))) as b:
        assert b.telemetry_error is None
        assert b.stats.telemetry_failures == 0 and b.stats.highest_submitted_id == -1
    with pytest.raises(OSError, match="run_dir"):
        (tmp_path / "file").write_text("")
        ogas.OGASBreeder(**small_config(run_dir=str(tmp_path / "file" / "run")))
