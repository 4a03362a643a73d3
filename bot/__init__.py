"""success-plan-bot: keeps customer success plans in GitLab honest and visible."""

__version__ = "0.1.0"
