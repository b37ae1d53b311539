"""Writes of the exchange with 1C (see the modules: access, catalogue,
counterparties, documents, files, sessions, export)."""
