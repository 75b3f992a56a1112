"""Identity: issuing development tokens and validating bearer tokens."""
