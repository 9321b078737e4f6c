"""Run ctk's OpenAPI diff against the oasdiff oracle cases and report how many it meets.

    .venv/bin/python scripts/oasdiff_oracles.py [--cases PATH] [--verbose]

The cases (../shared/corpus/drift/oracles/oasdiff/cases.json) are transcribed from oasdiff's own
checker tests. Prints the share met per check, the failing cases, the cases out of reach, and
oasdiff's rule ids ctk does not implement; exits 0 when every case run is met.

The matching logic and this command's body are in ``tests.support.oasdiff_oracles`` (shared with the
tests, which run the cases one by one); this script only runs it.
"""

from __future__ import annotations

import sys

from tests.support.oasdiff_oracles import main

if __name__ == "__main__":
    sys.exit(main())
