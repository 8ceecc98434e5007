"""The ``dataio`` blueprint with every route registered (imports and exports)."""

from crm_platform.dataio import export_views, import_views  # noqa: F401  (register the routes)
from crm_platform.dataio.blueprint import bp

__all__ = ["bp"]
