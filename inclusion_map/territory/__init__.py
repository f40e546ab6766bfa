"""The territory's layers: communes and IRIS with their boundaries, population and digital-fragility
index, built from the reference files (``python run.py build``)."""
