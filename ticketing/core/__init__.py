"""The kernel every feature builds on; it imports no feature package.

vocabulary (``vocab``), domain errors and their one HTTP mapping (``errors``), extensions,
pagination, the shared schema kit, access marks, request/job context, the job queue and the
"ticket saved" events. The dependency rule: ``core`` depends on nothing in ``ticketing``;
``models`` on ``core``; ``tickets`` on both; every other feature on those three only.
"""
