"""What an operator sees: Prometheus metrics, liveness and readiness, and logs fit for a collector.

* ``metrics``: the core's ``Metrics`` port on ``prometheus_client`` (one registry per runtime), plus
  what is counted at the edges (429s, ticks, LLM calls through ``MeteredScorer``)
* ``health``: ``/healthz`` (the clock ticked recently) and ``/readyz`` (database, schema, adapters)
* ``server``: the ASGI app serving ``/metrics``, ``/healthz``, ``/readyz`` and the uvicorn server
  that runs it at ``METRICS_PORT`` (Slack HTTP mode serves the same app on its own port)
* ``logs``: ``LOG_FORMAT=json`` and the filter that keeps secrets and request bodies out of every log
"""
