"""The offline sync protocol (see PROTOCOL.md): applying client ops, the change feed, resumable uploads."""
