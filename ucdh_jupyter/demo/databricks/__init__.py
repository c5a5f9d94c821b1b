"""A local stand-in for a Databricks workspace, for the demo and the tests.

It serves the REST endpoints the Databricks run backend calls through ``databricks-sdk``
(current user, workspace files, runtimes and node types, one-time runs, jobs with
for-each tasks and Quartz schedules, and their runs) on
127.0.0.1, and executes submitted notebooks with papermill in subprocesses. It never
talks to a real Databricks.
"""

from .server import DEMO_DATABRICKS_TOKEN, DEMO_WORKSPACE_ID, LocalDatabricks

__all__ = ["DEMO_DATABRICKS_TOKEN", "DEMO_WORKSPACE_ID", "LocalDatabricks"]
