"""Curation: reviewing a change to the curated data as curators think of it, in statements.

A pull request or a workbench session changes Turtle, but what a curator reviews is which
statements were added, removed or changed, and how. :mod:`kg.curation.sides` reads the two sides
of a change (a build artefact or any RDF file, a git revision of the project, or the working tree)
into the same shape, :mod:`kg.curation.diff` compares them statement by statement (each with its
evidence quotes) and resource by resource, and :mod:`kg.curation.report` writes the result as
text, JSON or Markdown. ``kg diff`` is the command-line twin.
"""
