"""HTML pages: thin routes that render templates/ from the same services as the API."""
