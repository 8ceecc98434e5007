"""Automation rules of the sales plugin: triggers on deals, actions, run log, and the jobs that run them."""
