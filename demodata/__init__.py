"""Made-up data, never part of the running portal: the demo company (``demo.py``, for ``flask --app
portal seed-demo`` and ``make run``) and years of benchmark history (``scale*.py``, for ``seed-scale``
and ``make bench``).

It sits above every feature and reads their models directly. Only the CLI's commands (imported inside
them), bench/ and the tests import it; nothing in ``portal`` does.
"""
