"""Analytics event store: spool, uuid deduplication, Parquet layout, compaction and query builders."""
