"""Where the tests find things: the repository, the test data, and the shared corpus.

Every test names these instead of computing a path from its own ``__file__``, so a test module can move
to another folder without its paths changing meaning.
"""

from __future__ import annotations

import os
from pathlib import Path

# tests/support/paths.py -> the repository root
REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
# ../shared/corpus beside the repository, or wherever CTK_CORPUS says
CORPUS = Path(os.environ.get("CTK_CORPUS", REPO.parent / "shared" / "corpus"))
