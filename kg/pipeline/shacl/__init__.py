"""A fast SHACL validator for the SHACL our shapes use, with pySHACL's exact results.

``ShapesValidator(shapes).validate(data)`` gives pySHACL's verdict and results (and, when asked,
its report graph and text) for inference "none", without importing pySHACL. Shapes that use
SHACL it does not implement raise :class:`Unsupported` while they are read, so the caller can
hand them to pySHACL (``kg.pipeline.validate`` does). Layout: ``shapes`` reads the shapes graph
into checks (``values``, ``nested``, ``sparql``) over ``paths``; ``engine`` runs them over an
``index`` of the data; ``results`` and ``terms`` write pySHACL's report.
"""

from kg.pipeline.shacl.engine import ShapesValidator, Validation, collector_paused
from kg.pipeline.shacl.results import Result
from kg.pipeline.shacl.unsupported import Unsupported

__all__ = ["Result", "ShapesValidator", "Unsupported", "Validation", "collector_paused"]
