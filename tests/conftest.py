"""Fixtures come from crm_platform.testing (a pytest plugin registered by the package)."""

from crm_platform.testing import TEST_PASSWORD, make_user  # noqa: F401

LAST_MODULES = ("test_plugins_example.py", "test_plugins_scaffold.py", "test_themes_package.py")


def pytest_collection_modifyitems(session, config, items):
    """Run the tests that pip-install example plugins last: they change the environment."""
    items.sort(key=lambda item: item.path.name in LAST_MODULES)
