"""The test suite: unit tests, and end-to-end tests through HTTP, the database and XML."""
