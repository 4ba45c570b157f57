"""Layer 4, variants: a scenario and N variants of it as flat arrays of inputs (the batch the
engine runs), and inputs addressed by a user's path."""
