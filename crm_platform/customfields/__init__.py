"""Custom fields: per-company extra fields on people and organizations."""
