"""Reports: a member's country performance report for one publication, as a print page and a PDF."""
