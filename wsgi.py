"""WSGI entry point: ``gunicorn wsgi:app``."""

from crm_platform.app import create_app

app = create_app()
