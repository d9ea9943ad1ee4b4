"""Platform adapters: translate platform events into core calls and render the core's replies."""
