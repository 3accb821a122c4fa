"""Reports: figures (figures.py), SVG charts (svg.py), the PDF and CSV (render.py), the
builder service and the schedule (services.py)."""
