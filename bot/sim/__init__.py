"""An in-process GitLab simulator speaking GitLab's REST and GraphQL shapes, for tests and the demo."""
