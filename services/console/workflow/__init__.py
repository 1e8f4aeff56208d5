"""The console's work: accounts, sessions and sign-in, the service calls, the live hub."""
