"""Policy impact simulation: re-deciding stored attempts under a draft policy set, against the history as it stood."""
