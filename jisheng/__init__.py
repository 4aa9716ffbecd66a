"""Jisheng (计生): service and management system of a population and family-planning office."""
