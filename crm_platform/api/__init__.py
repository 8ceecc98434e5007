"""The REST API under ``/api/v1``: personal API tokens, JSON resources and their OpenAPI document.

Modules: :mod:`models` and :mod:`tokens` (personal tokens), :mod:`auth` (bearer
authentication, tenancy and rate limits), :mod:`framework` (validation, ETags,
pagination), :mod:`routes` (one set of routes per resource), :mod:`openapi` and
:mod:`docs` (the generated document and its page), :mod:`resources_contacts` and
:mod:`resources_users` (the core's resources), :mod:`token_views` (the UI).
"""
