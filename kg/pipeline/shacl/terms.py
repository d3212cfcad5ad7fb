"""How pySHACL writes terms into its text report and copies them into its report graph.

The fast validator promises pySHACL's report, so the text of a node (``stringify``) and the copy of
a blank node's description into the report graph (``copy_node``) follow pySHACL 0.40's
``rdfutil.stringify`` and ``rdfutil.clone`` rule for rule: a blank node is written as its sorted
``[ p o ; … ]`` description, a list as ``( … )``, a literal as ``Literal("lexical" = value, lang=…,
datatype=…)``; a copied blank node keeps its label at the top and gets fresh labels below.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, NamespaceManager
from rdflib.term import Node

from kg.rdf.namespaces import SH

MAX_DEPTH = 12
"""pySHACL stops describing nested blank nodes at this depth (stringify)."""
MAX_COPY_DEPTH = 10
"""… and stops copying them at this one (clone)."""


def namespaces_like(source: NamespaceManager, bind: str = "none") -> NamespaceManager:
    """A fresh namespace manager with ``source``'s prefixes, and ``sh`` bound as pySHACL binds it.

    pySHACL binds ``sh`` into the manager of the graph it describes; working on a copy leaves the
    caller's graphs untouched. ``bind="core"`` reproduces the copy pySHACL makes of the data graph.
    """
    manager = Graph(bind_namespaces=bind).namespace_manager  # type: ignore[arg-type]
    for prefix, namespace in source.namespaces():
        manager.bind(prefix, namespace, override=True, replace=True)
    manager.bind("sh", SH, override=False, replace=False)
    return manager


class Describer:
    """Writes terms of one graph as pySHACL's text report does; remembers blank nodes it wrote."""

    def __init__(self, graph: Graph, namespaces: NamespaceManager, *, find: bool = False) -> None:
        self.graph = graph
        self.namespaces = namespaces
        self.find = find
        """Whether a blank node must occur in the graph (pySHACL looks data nodes up first)."""
        self._blank: dict[BNode, str] = {}
        self._iri: dict[URIRef, str] = {}

    def top(self, node: Node) -> str:
        """A node of a result; raises LookupError for a data blank node the graph does not hold."""
        if (
            self.find
            and isinstance(node, BNode)
            and (node, None, None) not in self.graph
            and (None, None, node) not in self.graph
        ):
            raise LookupError(f"Cannot find node {node} in any named graph.")
        return self(node)

    def __call__(self, node: Node, depth: int = 0) -> str:
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, BNode):
            return self.blank(node, depth + 1)
        if isinstance(node, URIRef):
            written = self._iri.get(node)
            if written is None:
                try:
                    written = node.n3(namespace_manager=self.namespaces)
                except Exception:
                    written = str(node)
                self._iri[node] = written
            return written
        return str(node)

    def literal(self, node: Literal) -> str:
        value = None if node.value is None else str(node.value)
        lexical = str(node)
        if value is not None and (cut := value.find(" object at 0x")) > 0:
            value = value[:cut]
        text = (
            f'"{lexical}" = {value}' if value is not None and value != lexical else f'"{lexical}"'
        )
        if node.language:
            text += f", lang={node.language}"
        if node.datatype:
            text += f", datatype={self(node.datatype)}"
        return f"Literal({text})"

    def blank(self, node: BNode, depth: int) -> str:
        if depth >= MAX_DEPTH:
            return "<http://recursion.too.deep>"
        if node in self._blank:
            return self._blank[node]
        predicates = list(self.graph.predicates(node))
        if not predicates:
            return "[ ]"
        if RDF.first in predicates:
            items = " ".join(self(item, depth + 1) for item in self.graph.items(node))
            return f"( {items} )"
        parts: dict[str, str] = {}
        for p in predicates:
            objects = sorted(self(o, depth + 1) for o in self.graph.objects(node, p))
            if objects:
                parts[p.n3(namespace_manager=self.namespaces)] = ", ".join(objects)
        body = " ; ".join(f"{p} {o}" for p, o in sorted(parts.items()))
        self._blank[node] = text = f"[ {body} ]"
        return text


def copy_node(source: Graph, node: Node, target: Graph, depth: int = 0) -> Node:
    """``node`` as pySHACL's report holds it: a blank node with fresh labels, its description copied."""
    if isinstance(node, Literal):
        return Literal(str(node), node.language, node.datatype)
    if isinstance(node, BNode):
        return copy_blank(source, node, target, keep_label=False, depth=depth + 1)
    return URIRef(str(node))


def copy_blank(
    source: Graph, node: BNode, target: Graph, *, keep_label: bool, depth: int = 0
) -> BNode:
    """Copy a blank node's description (and, below it, fresh copies of the blank nodes it names)."""
    copy = BNode(str(node)) if keep_label else BNode()
    if depth >= MAX_COPY_DEPTH:
        return copy
    predicates = set(source.predicates(node))
    if not predicates:
        return copy
    if RDF.first in predicates:
        listed = Collection(target, copy)
        for item in source.items(node):
            listed.append(copy_node(source, item, target, depth + 1))
        return copy
    for p in predicates:
        copied_p = copy_node(source, p, target, depth + 1)
        for o in list(source.objects(node, p)):
            target.add((copy, copied_p, copy_node(source, o, target, depth + 1)))
    return copy
