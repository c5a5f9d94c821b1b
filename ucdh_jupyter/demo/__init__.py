"""The embedded local AWS (moto in server mode) and its synthetic seed data, for demo and tests."""
