"""Tickets: CRUD, the list with filters and search, replies."""
