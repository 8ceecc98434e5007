"""Mail goes through the queue to a real SMTP server; header injection is refused."""

import pytest

from crm_platform.mail import MailHeaderError, send_mail


def test_mail_is_delivered_through_smtp(app, smtp_server):
    send_mail("bob@example.com", "Hello Bob", "A plain message.")
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "bob@example.com"
    assert message["Subject"] == "Hello Bob"
    assert "A plain message." in smtp_server.body()


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: victim@example.com", "Hi\nX: y", "Hi\u2028there"])
def test_header_injection_is_refused(app, smtp_server, subject):
    with pytest.raises(MailHeaderError):
        send_mail("bob@example.com", subject, "body")
    with pytest.raises(MailHeaderError):
        send_mail("bob@example.com\r\nBcc: x@example.com", "Hello", "body")
    assert smtp_server.messages == []
