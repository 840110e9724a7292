"""Axon: Python client for jobs run by the Axon engine (stdlib only).

Usage::

    from axon import tracking

    params = tracking.get_params()
    tracking.log_params(**params)
    tracking.log_metrics(step=1, loss=0.25)
"""

from . import tracking

__version__ = "0.1.0"

__all__ = ["tracking", "__version__"]
