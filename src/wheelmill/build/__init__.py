"""wheelmill.build."""
