"""Geography: coordinate systems, boundaries and the territory, coverage analysis."""
