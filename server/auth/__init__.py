"""Identity: citizen devices, staff and assistant logins, bearer tokens, and who may see what."""
