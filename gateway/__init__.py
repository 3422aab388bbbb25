"""HTTP and XML plumbing, settings and the command line: knows nothing of policy semantics."""
