"""Tests of this package, mirroring its modules."""
