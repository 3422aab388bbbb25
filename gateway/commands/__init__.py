"""The command line's subcommands, one module each, and their shared checks."""
