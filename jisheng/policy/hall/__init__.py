"""Policy data of the service hall: the service item catalogue and the policy Q&A base (TOML files)."""
