"""Evidence media: where the bytes live (storage.py), what they really are (sniff.py), who may read them (routes.py)."""
