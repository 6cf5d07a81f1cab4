"""Exceptions raised for libogas status codes.

Every exception carries the library's message (``str(exc)``), the numeric
``status`` and its constant name ``status_name`` (``"OGAS_EINVAL"`` ...).
Each one also derives from the built-in exception a Python user would expect,
so ``except ValueError`` or ``except OSError`` work as usual:

=================  ========================  ==========================
status             exception                 built-in base
=================  ========================  ==========================
OGAS_EINVAL        :class:`OGASValueError`   ValueError
OGAS_ENOMEM        :class:`OGASMemoryError`  MemoryError
OGAS_EIO           :class:`OGASIOError`      OSError
OGAS_ECORRUPT      :class:`OGASCorruptError` OSError (via OGASIOError)
OGAS_ESTATE        :class:`OGASStateError`   RuntimeError
OGAS_ERANGE        :class:`OGASRangeError`   IndexError
=================  ========================  ==========================
"""

from __future__ import annotations

import warnings
from typing import Dict, Type

from . import _lib

__all__ = [
    "OGASConfigWarning",
    "OGASCorruptError",
    "OGASError",
    "OGASIOError",
    "OGASMemoryError",
    "OGASRangeError",
    "OGASStateError",
    "OGASValueError",
    "error_for_status",
]


class OGASError(Exception):
    """Base class of every error reported by libogas."""

    status: int = -1
    status_name: str = "OGAS_UNKNOWN"

    def __init__(self, message: str, status: int = -1) -> None:
        super().__init__(message)
        self.status = status
        self.status_name = _STATUS_NAMES.get(status, "OGAS_UNKNOWN")

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class OGASValueError(OGASError, ValueError):
    """OGAS_EINVAL: a bad argument or configuration (the message names the key)."""


class OGASMemoryError(OGASError, MemoryError):
    """OGAS_ENOMEM: an allocation failed; nothing changed."""


class OGASIOError(OGASError, OSError):
    """OGAS_EIO: a file could not be read or written."""

    def __str__(self) -> str:  # OSError would format (errno, strerror) pairs
        return str(self.args[0]) if self.args else ""


class OGASCorruptError(OGASIOError):
    """OGAS_ECORRUPT: a checkpoint file is damaged or was written by another breeder."""


class OGASStateError(OGASError, RuntimeError):
    """OGAS_ESTATE: the call is not valid in the breeder's current state."""


class OGASRangeError(OGASError, IndexError):
    """OGAS_ERANGE: a simulation id, generation or size is out of range."""


class OGASConfigWarning(UserWarning):
    """Configuration keys that ogas reads but does not use (reference layout)."""


_STATUS_NAMES = {
    _lib.OGAS_OK: "OGAS_OK",
    _lib.OGAS_EINVAL: "OGAS_EINVAL",
    _lib.OGAS_ENOMEM: "OGAS_ENOMEM",
    _lib.OGAS_EIO: "OGAS_EIO",
    _lib.OGAS_ECORRUPT: "OGAS_ECORRUPT",
    _lib.OGAS_ESTATE: "OGAS_ESTATE",
    _lib.OGAS_ERANGE: "OGAS_ERANGE",
}

_BY_STATUS: Dict[int, Type[OGASError]] = {
    _lib.OGAS_EINVAL: OGASValueError,
    _lib.OGAS_ENOMEM: OGASMemoryError,
    _lib.OGAS_EIO: OGASIOError,
    _lib.OGAS_ECORRUPT: OGASCorruptError,
    _lib.OGAS_ESTATE: OGASStateError,
    _lib.OGAS_ERANGE: OGASRangeError,
}


def error_for_status(status: int, message: str) -> OGASError:
    """The exception instance for a non-OK status and its message."""
    cls = _BY_STATUS.get(status, OGASError)
    if not message:
        message = f"libogas returned {_STATUS_NAMES.get(status, status)}"
    return cls(message, status)


def warn_ignored(keys: "list[str]", stacklevel: int = 3) -> None:
    """Warn once per breeder about configuration keys ogas does not use."""
    if keys:
        warnings.warn(
            "ogas: configuration keys ignored (ogas does not use them): " + ", ".join(keys),
            OGASConfigWarning,
            stacklevel=stacklevel,
        )
