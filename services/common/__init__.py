"""Shared platform for every Confer service: envelope, catalogue, bus, outbox,
inbox, consumer runner, HTTP plumbing, auth and metrics. No business rules here."""
