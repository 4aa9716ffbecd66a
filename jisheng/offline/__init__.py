"""Offline capture: the village officer's installable web app, its sync API and outbox semantics (one client id, one effect; conflicts shown, never merged)."""
