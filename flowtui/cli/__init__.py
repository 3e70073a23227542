"""The command line: argument parsing that hands over to the core or the app — no business logic."""
