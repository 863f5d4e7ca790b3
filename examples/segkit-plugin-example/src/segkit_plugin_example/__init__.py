"""An example segkit plugin: one segmenter, registered through the ``segkit.segmenters`` entry point."""

__version__ = "0.1.0"
