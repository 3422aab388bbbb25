"""Policies and the pure engine: the loaded model, its checks, selection and decisions."""
