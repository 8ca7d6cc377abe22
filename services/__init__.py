"""newswire services: settings, keys, errors, the sink, the API, the fetcher and the CLI."""
