"""Statistics and hotspot analysis for staff: counts by status, kind and category; where and when things happen."""
