"""The `newsrag` command line: the app, with every command registered on it."""

# Commands register on import, in the order `newsrag --help` lists them: those that write the
# index, those that read it, those that measure.
from newsrag import writing  # noqa: F401, I001
from newsrag import asking  # noqa: F401
from newsrag import measuring  # noqa: F401
from newsrag.app import app

__all__ = ["app"]
