"""`python -m newsrag …`, as the `newsrag` script."""

from newsrag.cli import app

app()
