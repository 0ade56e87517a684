"""Text understanding: categories, the classifier interface and its implementations."""
