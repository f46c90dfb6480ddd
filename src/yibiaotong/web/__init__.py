"""The web application (FastAPI + Jinja2): a thin layer over the library."""
