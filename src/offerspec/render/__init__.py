"""Stage 5: renderers, one per output format."""
