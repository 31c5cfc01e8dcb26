"""Handing freed memory back to the system between pages, in a worker's pool processes.

A large page (a parsed tree of tens of megabytes, trafilatura's copies of it) is freed once
processed, but glibc's allocator keeps most of what it freed: small blocks in the middle of
its heap, among the objects that live on (the language model, the date parser's tables,
loaded on the first pages that need them), cannot be given back by lowering the heap's top.
The resident size then climbs page after page, and the next large page starts from there.
``malloc_trim(0)`` returns every free whole page of the heap to the system.

It costs about a millisecond on a pool process's heap, so it runs only once the resident size
has grown by :data:`TRIM_AFTER_GROWTH` since the last trim (on the real-page benchmark site,
about one page in eight). Only with glibc; elsewhere :func:`release_freed_memory` does nothing.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
from collections.abc import Callable

# Resident growth since the last trim that triggers the next one.
TRIM_AFTER_GROWTH = 8 * 1024 * 1024

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on another C library or system."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def resident_bytes() -> int | None:
    """This process's resident size, from ``/proc/self/statm`` (None where there is none)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


class MemoryReleaser:
    """Trims the heap once the resident size has grown by ``growth`` bytes since last time."""

    def __init__(self, growth: int = TRIM_AFTER_GROWTH) -> None:
        self.growth = growth
        self.trims = 0
        self._trim = _malloc_trim()
        self._mark = resident_bytes() or 0

    @property
    def available(self) -> bool:
        return self._trim is not None

    def after_page(self) -> bool:
        """Trim if the resident size grew enough since the last trim; return whether it did."""
        if self._trim is None:
            return False
        resident = resident_bytes()
        if resident is None or resident < self._mark + self.growth:
            return False
        self._trim(0)
        self.trims += 1
        self._mark = resident_bytes() or resident
        return True


_releaser: MemoryReleaser | None = None


def release_freed_memory() -> bool:
    """After a page: give freed memory back when the process has grown (see the module doc)."""
    global _releaser
    if _releaser is None:
        _releaser = MemoryReleaser()
    return _releaser.after_page()
