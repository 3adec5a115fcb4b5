"""How long work (imports, generators, rebuilds) reports how far it has got."""

from collections.abc import Callable

# Called as progress(what, done, total): `done` of `total` items of `what` are finished.
Progress = Callable[[str, int, int], None]


def no_progress(what: str, done: int, total: int) -> None:
    """The reporter for callers that want no progress: says nothing."""
