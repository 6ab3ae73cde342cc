"""The guidance index: embedder, Chroma store, BM25, hybrid retrieval, ingestion."""
