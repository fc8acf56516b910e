import pytest

from tests.reliability.scratch import scratch_database


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A database of this test run's backend, loaded by the real CLI, shared by a module."""
    with scratch_database(tmp_path_factory.mktemp("scratch")) as db:
        db.user("planner", "hq_planner")
        yield db
