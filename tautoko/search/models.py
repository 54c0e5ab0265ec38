"""No models: the search index lives beside the petitions table (see fts.py)."""
