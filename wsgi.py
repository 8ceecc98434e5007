"""WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from crm_platform.app import create_app

app = create_app()
# The objects created at start live as long as the process: keep them out of the
# garbage collector's full scans, which otherwise pause requests (see bench/README.md).
gc.freeze()
