import pytest

from chiiki.datasets.loader import load_dataset


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the Hokkaido dataset, loaded once through the real loader."""
    with django_db_blocker.unblock():
        load_dataset("hokkaido")


PASSWORD = "Chiiki-test-2026!"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache. (Things are kept by data version, which a test's
    rollback can bring back while the test's own fixtures, written without the audited
    services, change the data underneath.)"""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """Argon2 is slow on purpose; tests use a fast hasher unless they check the real one."""
    if "real_password_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def rate_limits_off(request, settings):
    """Tests send hundreds of calls a minute from one address; the rate limits are tested on
    their own (marked rate_limits)."""
    if "rate_limits" not in request.keywords:
        settings.CHIIKI_API_RATE_TOKEN = ""
        settings.CHIIKI_API_RATE_ADDRESS = ""
        settings.CHIIKI_LOGIN_RATE_ADDRESS = ""


# The one role table for the permission matrices (docs/permissions.md): which personas of the
# shared cast (``personas``, plus another prefecture's HQ in the access matrix) may do what.
HQ = frozenset({"hq_admin", "hq_planner"})
MEMBERS = HQ | {"tokachi_editor", "sorachi_editor", "department", "viewer"}
MAY = {
    # published figures: HQ; bureaus enter theirs in a collection round (tests/test_collection.py)
    "write 十勝's actual": HQ,
    "write 十勝's budget": HQ,
    "write オホーツク's budget": HQ,
    "file a proposal": HQ | {"tokachi_editor", "sorachi_editor"},
    "read a draft proposal": MEMBERS,
    "route a proposal": HQ,
}


@pytest.fixture
def org(db):
    """Hokkaido, the organization the dataset loads."""
    from chiiki.plans.models import Organization

    return Organization.objects.get(slug="hokkaido")


def make_user(username, role, bureau_short=None):
    from django.contrib.auth import get_user_model

    from chiiki.accounts.models import Membership
    from chiiki.plans.models import Bureau, Organization

    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    bureau = Bureau.objects.get(short_name=bureau_short) if bureau_short else None
    Membership.objects.create(
        user=user, organization=Organization.objects.get(slug="hokkaido"), role=role, bureau=bureau
    )
    return user


@pytest.fixture
def personas(db):
    """The shared cast: an HQ admin and planner, 空知 and 十勝 bureau editors, a department
    responder, a council viewer, and an anonymous visitor (None)."""
    from django.contrib.auth.models import AnonymousUser

    return {
        "hq_admin": make_user("hq-admin", "hq_admin"),
        "hq_planner": make_user("hq-planner", "hq_planner"),
        "sorachi_editor": make_user("sorachi-editor", "bureau_editor", "空知"),
        "tokachi_editor": make_user("tokachi-editor", "bureau_editor", "十勝"),
        "department": make_user("dept", "department_responder"),
        "viewer": make_user("viewer", "viewer"),
        "anonymous": AnonymousUser(),
    }


@pytest.fixture(autouse=True)
def jobs_run_in_the_request(settings):
    """Background jobs run inside the request that starts it (the immediate backend), so a
    test sees the finished job; tests of the worker itself switch to the database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def files_kept_per_test(settings, tmp_path):
    """Each test keeps its made files (open data) apart: the data version a file is named by
    repeats across tests, whose writes are rolled back."""
    settings.CACHE_DIR = tmp_path / "cache"
