import pytest

from chiiki.datasets.loader import load_dataset


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the Hokkaido dataset, loaded once through the real loader."""
    with django_db_blocker.unblock():
        load_dataset("hokkaido")
