"""Everything that writes output: terminal tables, CSV/JSON/Markdown, workbooks, files."""
