"""Thin views, one module per area of the desk."""
