"""Layer 1, core: problems and errors, field paths, number parsing, calendar, finance, the
measures registry and display rules. Imports nothing else of commitcast."""
