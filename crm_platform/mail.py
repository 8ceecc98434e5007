"""Outgoing mail, sent from the background queue through SMTP."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app

from crm_platform.jobs import task


class MailHeaderError(ValueError):
    """A header value contained a line break (header injection)."""


def _clean_header(value: str) -> str:
    if any(ch in value for ch in "\r\n\x00\u2028\u2029\x85"):
        raise MailHeaderError("line breaks are not allowed in mail headers")
    return value


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """Build a message from the configured sender; refuses CR/LF in any header."""
    message = EmailMessage()
    message["From"] = _clean_header(current_app.config["MAIL_FROM"])
    message["To"] = _clean_header(to)
    message["Subject"] = _clean_header(subject)
    message["Message-ID"] = make_msgid(domain=urlsplit(current_app.config["CRM_BASE_URL"]).hostname or "localhost")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Queue an email. Headers are checked now, so a bad one fails the caller, not the worker."""
    _clean_header(to)
    _clean_header(subject)
    deliver_mail(to, subject, text, html)


@task(retries=5, retry_delay=60)
def deliver_mail(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Background task: connect to the configured SMTP server and send one message."""
    config = current_app.config
    message = build_message(to, subject, text, html)
    if config["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(config["MAIL_HOST"], config["MAIL_PORT"], timeout=30, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(config["MAIL_HOST"], config["MAIL_PORT"], timeout=30)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
