"""The source texts the graph's evidence quotes: where they are kept (the corpus folder, outside the
repository: they are third-party articles), what the repository records about each, and whether
every quote still points at the text it was taken from."""
