"""One module per part of the graph: intake -> dbt -> publish, and the automation that runs it."""
