"""The project folders a wheel carries (`sql/`, `expectations/`, `seeds/`), used outside any
crosswire project. In a checkout they are the project's own folders (see pyproject.toml)."""
