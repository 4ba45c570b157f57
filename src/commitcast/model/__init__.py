"""Layer 2, model: the scenario (pydantic), its uncertainty specs and provenance. No file I/O."""
