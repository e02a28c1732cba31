"""Content calendar, interactions and lucky draws of the platform's own social accounts (issue 21, R4.4.1)."""
