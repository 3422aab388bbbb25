"""The domain: typed models, XML mapping, the pure policy engine and the message handlers."""
