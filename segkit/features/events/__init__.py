"""Event features: one definition (``definition.py``), one engine contract (``base.py``), two engines."""
