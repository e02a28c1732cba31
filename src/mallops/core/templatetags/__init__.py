"""Template filters shared by every console page."""
