"""The SQL statements behind `services.projects.queries`, by subject."""
