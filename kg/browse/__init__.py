"""Browsing the graph: what the web application's pages and search show, as data and without
Flask. The application parses a request, calls one function here and renders what it returns.

- :mod:`~kg.browse.page`: a resource's page (:func:`~kg.browse.page.resource_page`) and its JSON
- :mod:`~kg.browse.describe`: a resource's description; a named graph's triples
- :mod:`~kg.browse.evidence`, :mod:`~kg.browse.statements`: the parts a page's kinds call for
- :mod:`~kg.browse.vocabulary`: the ontology and shapes documents as pages
- :mod:`~kg.browse.search`: finding resources by name
- :mod:`~kg.rdf.labels`: which label of a resource is shown, everywhere
- :mod:`~kg.browse.terms`, :mod:`~kg.browse.dates`, :mod:`~kg.browse.timeline`: terms, dates and
  timelines as shown
- :mod:`~kg.browse.stats`, :mod:`~kg.browse.examples`: what the graph holds; the example queries
"""
