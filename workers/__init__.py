"""newswire workers: the pure pipeline stages (parse, validate, enrich) and the Celery glue."""
