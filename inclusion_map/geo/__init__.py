"""Geometry shared by the territory layers and the gap analysis: coordinate systems and bounding boxes."""
