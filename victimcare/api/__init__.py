"""The partner API (/api/v1/). See docs in views.py and the schema at /api/v1/schema/."""
