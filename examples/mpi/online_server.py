"""The same MPI training server in Python (mpi4py + ogas.mpi).

Run from the source tree after building:
    PYTHONPATH=python mpirun -n 4 /usr/bin/python3 examples/mpi/online_server.py
"""

import numpy as np
from mpi4py import MPI

from ogas.mpi import MPIBreeder

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
config = dict(nb_params=2, l_bounds=[0, 0], u_bounds=[1, 1], nb_sims=400, seed=1,
              breeder={"min_reservoir_entries": 64, "min_train_steps": 100},
              model={"model_dim": 64, "n_blocks": 2, "timesteps": 50, "n_train_steps_per_epoch": 10})

with MPIBreeder(comm, breed_rank=size - 1, config_rank=0, **(config if rank == 0 else {})) as b:
    first, last, batch = 0, 99, 0
    while True:
        ids, params, _ = b.scatter_parameters(first, last)  # this rank's share
        loss = np.exp(-10 * (params[:, 0] - 0.8) ** 2)
        for sim, l in zip(ids, loss):
            b.record_increments(np.full(8, sim), np.arange(8), l * (1 + 0.05 * np.arange(8)), batch)
            batch += 1
        hard = comm.reduce(int((loss > 0.5).sum()), root=0)
        if rank == 0:
            print(f"generation: sims {first}..{last} on {size} ranks, {hard} with a high loss")
        if last >= b.nb_sims - 1:
            break
        b.train_sampler(0)
        first, last = b.generation_break(100, last)
