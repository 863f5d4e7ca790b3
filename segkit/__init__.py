"""segkit: customer segmentation for SaaS exports."""
__version__ = "0.1.0"
