"""The XSD contract. This directory is the one copy; it is built into the package as gateway.xsd."""
