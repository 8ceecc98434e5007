"""Leads: capture (public web form, manual entry, CSV import), qualification, conversion, scoring."""
