"""Fixtures come from crm_platform.testing (a pytest plugin registered by the package)."""

from crm_platform.testing import TEST_PASSWORD, make_user  # noqa: F401
