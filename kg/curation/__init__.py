"""Curation: reviewing a change to the curated data as curators think of it, in statements, and
writing statements without typing Turtle.

A pull request or a workbench session changes Turtle, but what a curator reviews is which
statements were added, removed or changed, and how. :mod:`kg.curation.sides` reads the two sides
of a change (a build artefact or any RDF file, a git revision of the project, or the working tree)
into the same shape, :mod:`kg.curation.diff` compares them statement by statement (each with its
evidence quotes) and resource by resource, and :mod:`kg.curation.report` writes the result as
text, JSON or Markdown. ``kg diff`` is the command-line twin.

Writing: :mod:`kg.curation.names` resolves what a curator types to IRIs,
:mod:`kg.curation.records` holds a statement as a draft, :mod:`kg.curation.render` writes it as
the curated files are written, :mod:`kg.curation.saving` saves drafts all or nothing (validated),
and :mod:`kg.curation.corrections` corrects and retracts. :mod:`kg.curation.inbox` reads a CSV
file of statements and :mod:`kg.curation.importing` imports it (``kg import``).
"""
