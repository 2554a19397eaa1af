"""Reports: PDF, CSV and ALE from typed results. No Qt, no sessions."""
