"""The hostile suite's fixtures. Its harness (a real ``ctk serve`` in a subprocess, its log, and its peak
memory) is ``tests/support/served.py``; the hostile vendor and ``ctk`` in a subprocess are
``tests/support/hostile_vendor.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.served import Served, served


@pytest.fixture(scope="module")
def workspace_server() -> Iterator[Served]:
    """The example workspace's sandbox (payments REST, crm SOAP, inventory GraphQL), shared by a module."""
    with served() as server:
        yield server
