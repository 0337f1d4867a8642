"""The public site: published public-level results, participation figures, no sign-in needed."""
