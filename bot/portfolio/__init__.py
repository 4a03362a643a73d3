"""The manager's portfolio across customer groups: its model and renderers (pure) and the build."""
