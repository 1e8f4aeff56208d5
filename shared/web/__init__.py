"""HTTP rules shared by every service (API.md "Common rules", DESIGN.md §6)."""
