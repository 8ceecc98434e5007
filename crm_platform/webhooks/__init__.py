"""Outbound webhooks: company admins subscribe URLs to events; deliveries are signed and retried.

- :mod:`models`: subscriptions and the delivery log (``webhook_*`` tables);
- :mod:`events`: the event catalogue (core + ``crm_webhook_events``) and :func:`emit_event`;
- :mod:`delivery`: the background job that sends, signs and schedules retries;
- :mod:`views`: Settings → Webhooks.
"""
