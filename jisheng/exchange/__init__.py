"""Exchange with other deployments: peers, signed messages, a durable outbox and an inbox (transport only; the migrants app gives the messages their meaning)."""
