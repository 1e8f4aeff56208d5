"""The route modules `services.intake.api` assembles."""
