from __future__ import annotations

from typing import Any

import pytest
from service_helpers import make_agent, make_buyer

from mallops.accounts.models import User
from mallops.testing.factories import make_staff


@pytest.fixture
def buyer() -> User:
    return make_buyer()


@pytest.fixture
def agent() -> User:
    return make_agent(
        "product", "logistics", "service", "complaint", "technical", "major_fault", "suggestion"
    )


@pytest.fixture
def supervisor() -> User:
    return make_staff("cs_supervisor")


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
