/// Channel adapters: see docs/channels.md.
