"""``cached_property`` without functools' lock, for objects used by one thread.

Python 3.11's ``functools.cached_property`` takes an RLock at every first read. A story
page (``site/pages/story.py``) and a story's fingerprints (``text/fingerprints.py``) are
each built and read by one thread, and most of their properties are read once each,
every one a first read: the lock was a visible part of the parse's and the dedupe's CPU.
Type checkers see ``functools.cached_property``, whose behaviour this keeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from functools import cached_property as cached_property
else:

    class cached_property:
        """Computes the value at the first read and keeps it in the instance's ``__dict__``
        (a non-data descriptor: later reads never reach this object)."""

        def __init__(self, func: Any) -> None:
            self.func = func
            self.attrname = func.__name__
            self.__doc__ = func.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.attrname = name

        def __get__(self, instance: Any, owner: type | None = None) -> Any:
            if instance is None:
                return self
            value = instance.__dict__[self.attrname] = self.func(instance)
            return value
