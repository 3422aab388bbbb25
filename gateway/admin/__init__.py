"""The administration and loyalty JSON API, the simulation endpoint and the OpenAPI document."""
