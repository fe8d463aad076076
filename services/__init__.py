"""Everything that talks to the world: HTTP API, event store, engines, CLI."""
