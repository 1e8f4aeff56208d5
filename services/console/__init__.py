"""The console: the web screens staff work in, over the five services' public APIs."""
