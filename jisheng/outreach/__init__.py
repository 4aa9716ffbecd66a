"""Outreach: visits and pairing, health services and screening, campaigns, supplies, care visits and projects allocated by need."""
