"""The territory's other actors: access to rights, French-language workshops, partner structures.

No open dataset lists them: organisers type them in or import a file, and harvests never touch
them. Modules, from the bottom of the imports up (each imports only those before it):

- :mod:`.kinds`: the kinds of actor the configuration declares (``actors.kinds``);
- :mod:`.records`: one actor's columns, checks and stable id;
- :mod:`.placing`: coordinates given, geocoded, or the commune's centre;
- :mod:`.store`: ``actors.sqlite`` beside the store, every change kept in a history;
- :mod:`.publish`: the public ``actors`` layer of the GeoPackage;
- :mod:`.importing`: reading a CSV or GeoJSON upload, its preview, the CSV template.

Nothing here imports :mod:`inclusion_map.web`: the pages are built on top of this API.
"""
