"""The SQL statements behind `services.intake.queries`, by subject."""
