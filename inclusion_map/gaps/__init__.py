"""Where help is missing: distances and walking times from a grid of demand points to the venues,
accessibility (E2SFCA), time slots, priorities, suggested sites and scenarios (``python run.py gaps``)."""
