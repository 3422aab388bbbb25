"""The till side of HTTP: intake, SOAP, credentials, faults and problems."""
