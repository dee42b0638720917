"""The domain as it was before the redesign (issue 8); the new feature modules replace it."""
