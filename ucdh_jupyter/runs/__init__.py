"""Running notebooks elsewhere: one run model and state machine, a local store that caches
the S3 run records, staging, the on-instance runner, backends (EC2), and the reaper.

Entry points: :class:`.service.RunService` (``UcdhServices.runs``),
:func:`.periodic.start_runs` at server start.
"""
