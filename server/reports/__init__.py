"""Reports: what citizens and assistants send, how it is stored and routed, and the reporter's view."""
