"""Report computations that run in Python rather than SQL (business time on a calendar)."""
