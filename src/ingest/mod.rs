//! Ingestion (in progress).
