"""Example messages, the shipped policy set and loyalty program; built into the package as gateway.examples."""
