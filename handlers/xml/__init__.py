"""The message contract in XML: reading validated documents into models and writing answers."""
