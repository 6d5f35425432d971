"""What an assessor process imports: Great Expectations imports, at its own import, packages our gate never
uses. Those that other parts of the product use are marked absent in an assessor; those GX itself needs
for expectations the suite does not ask for are loaded on first use."""

from __future__ import annotations

import importlib
import sys
import types


def mark_absent(names: tuple[str, ...]) -> None:
    """`import name` raises ImportError from now on, in this process (GX's shims take it as not installed)."""
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = None


class _OnFirstUse(types.ModuleType):
    """A module imported for real when one of its attributes is first read; until then importing it binds
    this stand-in. Its dunder attributes are left alone: the import machinery reads them, and they
    would load it at once."""

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)  # the names that bound the stand-in now see the real module
        return getattr(real, attribute)


def load_on_first_use(names: tuple[str, ...]) -> None:
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = _OnFirstUse(name)
