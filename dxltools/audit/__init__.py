"""The audit of Foreign Domain documents: what it collects, its rules, its report, failover."""
