"""The GitLab side: the one client, its GraphQL documents, the page loop, and the mapping to the model."""
