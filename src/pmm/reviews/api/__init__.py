"""The peer-review API: reviews and their moves (reviews), queries and their steps (queries), the
comment-response matrix (matrix). Each module holds a router that pmm.config.api mounts."""
