"""The API's routes, one module per resource; each handler is a few lines over services/api."""
