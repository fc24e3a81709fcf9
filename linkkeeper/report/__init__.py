"""Renderers: pure functions from a report to text, one module per format."""
