"""Membership tiers (growth value, benefits, scheduled upgrades and downgrades) and, later, points."""
