"""newsrag's command line: the composition root above the three parts it puts together.

`index/` builds (read, chunk, embed, store), `service/` serves (HTTP, answering, chat),
`eval/` measures; none of them imports this package, `eval/` never imports `service/`, and
`index/` imports neither (tests/test_layers.py). Each command imports only what it runs.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

PARTS = ("index", "service", "eval")


def foreign_parts() -> list[str]:
    """Parts importable from somewhere other than beside this package: another distribution
    that installs a top-level `index`, `service` or `eval` and shadows ours."""
    home = Path(__file__).resolve().parent.parent
    found = []
    for name in PARTS:
        spec = find_spec(name)
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if origin is None or origin.parent.parent != home:
            found.append(f"{name} ({origin or 'not found'})")
    return found
