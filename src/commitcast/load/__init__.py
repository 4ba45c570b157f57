"""Layer 3, load: the YAML reader (the only file reader), error mapping to file:line:column,
overrides (`--set`), distributions in files, and warnings."""
