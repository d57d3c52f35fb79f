"""provenance package."""
