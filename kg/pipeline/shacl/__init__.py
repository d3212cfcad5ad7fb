"""A fast SHACL validator for the SHACL our shapes use, with pySHACL's exact results.

``ShapesValidator(shapes).validate(data)`` gives pySHACL's verdict and results (and, when asked,
its report graph and text) for inference "none", without importing pySHACL. Shapes that use
SHACL it does not implement raise :class:`Unsupported` while they are read, so the caller can
hand them to pySHACL (``kg.pipeline.validate`` does). Layout: ``shapes`` reads the shapes graph
into checks (``values``, ``nested``, ``sparql``) over ``paths``; ``engine`` runs them over an
``index`` of the data; ``results`` and ``terms`` write pySHACL's report. For incremental
validation (``kg.pipeline.validate_incremental``): ``reads`` (with ``query_reads``) says what a
focus node's result reads of the data, so which focus nodes a change can affect; ``state`` saves
the findings, naming the shapes by IRI or by ``fingerprint``'s keys.
"""

from kg.pipeline.shacl.engine import ShapesValidator, Validation, collector_paused
from kg.pipeline.shacl.results import Finding, Result, findings
from kg.pipeline.shacl.unsupported import Unsupported

__all__ = [
    "Finding",
    "Result",
    "ShapesValidator",
    "Unsupported",
    "Validation",
    "collector_paused",
    "findings",
]
