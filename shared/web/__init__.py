"""HTTP rules shared by every service (API.md "Common rules", docs/ARCHITECTURE.md §10)."""
