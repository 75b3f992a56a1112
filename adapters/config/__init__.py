"""Settings from the environment and local rules from the rules file."""
