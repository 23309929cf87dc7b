"""Pack scenarios: end-to-end tests of a pack, as data (``flowdesk test``)."""
