"""Input presets: one module per vendor, each preset registered under the ``segkit.presets`` group."""
