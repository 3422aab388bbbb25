"""The PostgreSQL backend: many gateways on one shared database (needs the `postgresql` extra: psycopg)."""
