"""wheelmill.store."""
