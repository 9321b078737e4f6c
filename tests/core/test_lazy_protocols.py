"""Each job imports only its protocol's libraries: the protocol table imports modules when a job needs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.paths import REPO

HEAVY = ("lxml", "zeep", "graphql", "openapi_spec_validator", "jsonschema_rs", "yaml")

OPENAPI, GRAPHQL, WSDL = "contracts/payments/v1", "contracts/inventory/v1", "contracts/crm/v1/crm.wsdl"
CASES = {
    # contract, job code, the library the job needs (loaded: the probe works), the ones it must not load
    "lint OpenAPI": (OPENAPI, "lint_contract(contract)", "openapi_spec_validator", {"lxml", "zeep", "graphql"}),
    "lint GraphQL": (GRAPHQL, "lint_contract(contract)", "graphql", {"lxml", "zeep", "openapi_spec_validator"}),
    "lint WSDL": (WSDL, "lint_contract(contract)", "lxml", {"graphql", "openapi_spec_validator"}),
    "mock OpenAPI": (OPENAPI, "compile_mock(contract)", "jsonschema_rs", {"lxml", "zeep", "graphql"}),
    "mock GraphQL": (GRAPHQL, "compile_mock(contract)", "graphql", {"lxml", "zeep", "openapi_spec_validator"}),
    "drift OpenAPI": (OPENAPI, "diff_contracts(contract, contract)", "yaml", {"lxml", "zeep", "graphql"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_job_loads_only_its_protocols_libraries(case: str) -> None:
    contract, job, needed, forbidden = CASES[case]
    code = (
        "import json, sys\n"
        "from toolkit import compile_mock, load_contract\n"
        "from toolkit.drift import diff_contracts\n"
        "from toolkit.lint import lint_contract\n"
        f"contract = load_contract({str(REPO / contract)!r})\n"
        f"{job}\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert needed in loaded
    assert loaded & forbidden == set(), f"{case} loaded {sorted(loaded & forbidden)}"
