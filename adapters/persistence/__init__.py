"""Persistence configuration: eventsourcing factories, recorders and mapper for casework."""
