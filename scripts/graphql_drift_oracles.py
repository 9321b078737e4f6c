"""Check ctk's GraphQL diff against the answers of graphql-core and graphql-inspector.

Three sources in ../shared/corpus/drift (see its SOURCES.md): graphql-core's own tests,
graphql-inspector's tests, and the graphql drift pairs with graphql-core 3.2.8's reference. Prints
the agreement rate per source and every disagreement; exits 0 when all agree.

    python scripts/graphql_drift_oracles.py [--corpus ../shared/corpus]

The cases, the matching logic and this command's body are in ``tests.support.graphql_drift_oracles``
(shared with the tests, which run each case); this script only runs it.
"""

from __future__ import annotations

import sys

from tests.support.graphql_drift_oracles import main

if __name__ == "__main__":
    sys.exit(main())
