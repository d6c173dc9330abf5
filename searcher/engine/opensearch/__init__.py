"""The cluster engine's OpenSearch side: a local cluster (``cluster``), the connection with
retries and bulk indexing (``client``), the versioned index schemas (``mappings/``)."""
