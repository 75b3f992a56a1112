"""Use cases: the event store application and the services that run commands."""
