"""Request and response models for the HTTP API (pydantic lives only at the edge)."""
