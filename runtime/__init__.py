"""Assembling the running worker: its workflows, activities with their dependencies, sandbox and tuning."""
