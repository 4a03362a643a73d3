"""The jobs: the worker, and one module per job kind, found through the registry in ``context``."""
