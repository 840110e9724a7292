"""Polyaxon v0 compatibility shim for Axon.

Lets scripts written for ``polyaxon-client`` 0.x run unchanged under Axon::

    from polyaxon_client.tracking import Experiment, get_outputs_path

    experiment = Experiment()
    experiment.log_metrics(step=1, loss=0.25)

Everything is reported through :mod:`axon.tracking` (the ``@@axon`` stdout
line protocol); nothing talks to a Polyaxon server.
"""

__version__ = "0.6.0+axon"
