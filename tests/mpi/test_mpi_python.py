"""ogas.mpi.MPIBreeder under mpirun (-n 2 and -n 4) with mpi4py: the
breeder's error reaches every rank as the same exception; increments from
every rank in ORDERED mode give, after two generation breaks, the parameter
table of a single-process OGASBreeder fed the same calls in rank order; the
round-robin scatter hands each rank its share; checkpoint and restart are
collective. A failure on any rank aborts the job (no rank is left waiting)."""

import os
import sys
import tempfile
import traceback

import numpy as np

try:
    from mpi4py import MPI
except ImportError:  # python3-mpi4py is in scripts/deps.sh's test list
    print("test_mpi_python: skipped, no mpi4py")
    sys.exit(77)

import ogas
from ogas.mpi import MPIBreeder

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
BREED = size - 1
CONFIG = dict(nb_params=2, l_bounds=[0, -1], u_bounds=[1, 1], nb_sims=80, seed=11,
              breeder={"async_training": False, "min_reservoir_entries": 8, "min_train_steps": 5,
                       "start_breed_ratio": 0.5, "end_breed_ratio": 0.5},
              model={"model_dim": 16, "n_blocks": 1, "timesteps": 10, "n_train_steps_per_epoch": 2},
              data={"batch_size": 8, "buffer_size": 100})


def increments(r, g, table, first, last):
    ids = np.arange(first + r, last + 1, size, dtype=np.int64).repeat(2)
    ts = np.tile(np.arange(2, dtype=np.int64), ids.size // 2)
    return ids, ts, 0.1 + table[ids, 0] * (1.0 + 0.1 * ts) + 0.01 * g


def main():
    # The breeder's message for a typo reaches every rank.
    try:
        MPIBreeder(comm, breed_rank=BREED, config_rank=0,
                   **(dict(CONFIG, model={"model_dimm": 8}) if rank == 0 else {}))
        raise AssertionError("a bad config was accepted")
    except ogas.OGASValueError as e:
        assert "model.model_dim" in str(e), str(e)

    tmp = tempfile.mkdtemp(prefix="mpi_python_") if rank == BREED else None
    with MPIBreeder(comm, breed_rank=BREED, ordered=True, **CONFIG) as b, \
            ogas.OGASBreeder(**CONFIG) as ref:
        assert b.nb_params == 2 and b.nb_sims == 80 and b.is_breed_rank == (rank == BREED)
        table, bred = b.get_parameters(0, 80)
        assert np.array_equal(table, ref.parameters)
        first, last = 0, 19
        for g in range(2):
            b.record_increments(*increments(rank, g, table, first, last), batch_idx=g)
            for r in range(size):
                ref.record_increments(*increments(r, g, table, first, last), batch_idx=g)
            f, l = b.generation_break(20, last)
            ref.next_parameters(20)
            assert (f, l) == ref.concretize_resampled_parameters(last) == (last + 1, last + 20)
            table, bred = b.get_parameters(0, 80)
            assert np.array_equal(table, ref.parameters), f"rank {rank}: generation {g + 1} differs"
            assert np.array_equal(bred, ref.parameters_is_bred)
            first, last = f, l
        assert bred.sum() > 0, "nothing was bred: the comparison says little"
        ids, params, is_bred = b.scatter_parameters(first, last)
        assert np.array_equal(ids, np.arange(first + rank, last + 1, size))
        assert np.array_equal(params, table[ids]) and np.array_equal(is_bred, bred[ids])
        assert b.get_stats().values_accepted == ref.stats.values_accepted == 2 * 2 * 20
        path = os.path.join(tmp, "b.ckpt") if rank == BREED else "unused"
        b.checkpoint_state(path)
        try:
            b.checkpoint_state("/nonexistent/dir/b.ckpt")
            raise AssertionError("a checkpoint into a missing folder succeeded")
        except ogas.OGASIOError as e:
            assert "/nonexistent/dir" in str(e), str(e)
        b.generation_break(20, last)
        b.restart_from_checkpoint(path)
        assert np.array_equal(b.get_parameters(0, 80)[0], table)
    if rank == BREED:
        os.remove(os.path.join(tmp, "b.ckpt"))
        os.rmdir(tmp)
    comm.Barrier()
    print(f"test_mpi_python (rank {rank} of {size}): passed")


try:
    main()
except BaseException:
    traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    comm.Abort(1)
