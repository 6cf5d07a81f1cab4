"""ogas — Online Generative Active Sampling for Python training servers.

A thin ctypes binding of libogas (the C breeder): :class:`OGASBreeder` has the
reference Python breeder's methods and reads the same configuration, including
the Melissa study layout. See python/README.md.

The shared library is found through ``OGAS_LIBRARY``, next to this package,
in the source tree's build directories, or on the system
(:func:`library_path` tells which one was loaded).
"""

from ._lib import find_library, has_symbol, library_path
from .breeder import GenerationInfo, OGASBreeder, Stats
from .errors import (
    OGASConfigWarning,
    OGASCorruptError,
    OGASError,
    OGASIOError,
    OGASMemoryError,
    OGASRangeError,
    OGASStateError,
    OGASValueError,
)

__version__ = "0.2.0"

__all__ = [
    "GenerationInfo",
    "OGASBreeder",
    "OGASConfigWarning",
    "OGASCorruptError",
    "OGASError",
    "OGASIOError",
    "OGASMemoryError",
    "OGASRangeError",
    "OGASStateError",
    "OGASValueError",
    "Stats",
    "find_library",
    "has_symbol",
    "library_path",
]
