"""smmdesk: a self-hosted desk for social media managers."""

__version__ = "0.1.0"
