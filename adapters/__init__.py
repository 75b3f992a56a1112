"""The edge: HTTP API, web pages, CLI, persistence configuration, auth, logging."""
