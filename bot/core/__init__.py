"""The pure core: the plan model, description parsing, the rules and checks, the comment, fingerprints,
and the webhook payload models. No I/O and no clock: today's date is always an argument."""
