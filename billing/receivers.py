"""Billing's answers to the lower apps' signals (sessions_log.signals.note_signed)."""
