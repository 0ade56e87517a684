"""The running service: app factory, webhooks, dispatcher, relay, CLI."""
