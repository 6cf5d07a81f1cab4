"""The scripted study both tests/python/c_driver.c and the Python tests run.

Generation g covers rows g*G .. g*G+G-1; each row reports `steps` values
v_s = p0*p0 + 0.25*s in one record_increments call (batch_idx = the row id);
between generations: train_sampler(0), next_parameters(G),
concretize_resampled_parameters(last row). Keep it identical to c_driver.c.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import numpy as np

import ogas


def run(
    b: ogas.OGASBreeder,
    gen_size: int,
    n_gen: int,
    steps: int,
    from_gen: int = 0,
    save: Optional[Path] = None,
    save_at: int = -1,
) -> Tuple[np.ndarray, np.ndarray]:
    """Drive b through generations from_gen..n_gen; return (table, is_bred)."""
    ts = np.arange(steps, dtype=np.int64)
    for g in range(from_gen, n_gen + 1):
        first, last = g * gen_size, g * gen_size + gen_size - 1
        for sim in range(first, last + 1):
            p0 = float(b.get_parameters(sim)[0])
            vals = np.array([p0 * p0 + 0.25 * s for s in range(steps)])
            b.record_increments(np.full(steps, sim, dtype=np.int64), ts, vals, sim)
        if g == n_gen:
            break
        b.train_sampler(0)
        b.next_parameters(gen_size)
        b.concretize_resampled_parameters(last)
        if save is not None and g == save_at:
            b.checkpoint_state(save)
            break
    return b.parameters, b.parameters_is_bred


def read_c_table(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    """The table c_driver wrote: hex floats, then the is_bred flag, per row."""
    rows, bred = [], []
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        rows.append([float.fromhex(x) for x in parts[:-1]])
        bred.append(parts[-1] == "1")
    return np.array(rows), np.array(bred)
