"""Realistic, seeded sample exports with planted effects (``segkit sample``)."""
