"""Import every core model so that metadata (and Alembic) sees the whole schema."""

from __future__ import annotations

from sqlalchemy.orm import Session

import sqlalchemy as sa

from crm_platform import company_cache, tenancy
from crm_platform.api.models import ApiToken
from crm_platform.audit.models import AuditEvent
from crm_platform.auth.models import AuthSession, OneTimeToken, User
from crm_platform.companies.models import Company, Invitation, Membership
from crm_platform.contacts import search_index, trash
from crm_platform.contacts.saved_views import SavedView
from crm_platform.contacts.models import Activity, Organization, Person, PersonEmail, PersonOrganization, PersonPhone, PersonTag, Tag
from crm_platform.customfields.models import CustomField, CustomFieldValue
from crm_platform.dataio.models import ImportJob, ImportRefusal
from crm_platform.duplicates.models import DuplicateDismissal
from crm_platform.plugins.models import PluginSetting, PluginState
from crm_platform.themes.models import Branding
from crm_platform.timeline.models import Attachment, Notification
from crm_platform.webhooks.models import WebhookDelivery, WebhookSubscription

tenancy.install(Session)
trash.install(Session)
search_index.install(Session)
company_cache.install(Session)


def _companies_of_user(session: Session, user: User) -> list[int]:
    table = Membership.__table__
    return list(session.connection().scalars(sa.select(table.c.company_id).where(table.c.user_id == user.id)))


# What every page reads and each process keeps (crm_platform/company_cache.py).
company_cache.watch(PluginState)
company_cache.watch(Branding)
company_cache.watch(Membership)
company_cache.watch(Tag)
company_cache.watch(Notification)
company_cache.watch(SavedView)
company_cache.watch(CustomField)
company_cache.watch(User, attributes=("name", "email", "is_active_flag"), companies=_companies_of_user)

__all__ = [
    "Activity",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "AuthSession",
    "Branding",
    "Company",
    "CustomField",
    "CustomFieldValue",
    "DuplicateDismissal",
    "ImportJob",
    "ImportRefusal",
    "Invitation",
    "Membership",
    "Notification",
    "OneTimeToken",
    "Organization",
    "Person",
    "PersonEmail",
    "PersonOrganization",
    "PersonPhone",
    "PersonTag",
    "PluginSetting",
    "PluginState",
    "SavedView",
    "Tag",
    "User",
    "WebhookDelivery",
    "WebhookSubscription",
]
