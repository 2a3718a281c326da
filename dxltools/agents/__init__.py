"""Agents: the agent model and the TOML loader of agent definitions."""
