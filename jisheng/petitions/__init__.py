"""Petitions, suggestions, surveys and the rectification ledger (一人一档、一事一议、一责一问) with the clocks of the 信访工作条例."""
