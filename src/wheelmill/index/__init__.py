"""wheelmill.index."""
