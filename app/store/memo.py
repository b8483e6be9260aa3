"""A small thread-safe LRU: get a value by key, or make it once and keep it.

Used for what is computed from immutable data versions: the versions' datasets
(`DatasetCache`), the published versions a process has seen (`CurrentVersion`), and each
version's answers (`Published.memo`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Memo:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept for `key`, made (and kept) if there is none. Never None.

        `make` runs outside the lock, so two threads may both make a value; the first
        one kept is the one every caller gets."""
        if (kept := self.peek(key)) is not None:
            return kept
        made = make()
        with self._lock:
            kept = self._items.setdefault(key, made)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return kept

    def peek(self, key: Hashable) -> Any:
        """The value kept for `key`, or None; never makes one."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def __len__(self) -> int:
        return len(self._items)
