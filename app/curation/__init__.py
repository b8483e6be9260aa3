"""Curation: the actions that change drug data. Each takes `by=` and writes an audit event."""
