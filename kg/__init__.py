"""Peace Talks KG: a knowledge graph of negotiation positions, with its pipeline and tools.

The library does the work; :mod:`kg.cli` is a thin command-line twin of it.
"""

__version__ = "0.1.0"
