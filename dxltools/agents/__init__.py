"""Agents: the agent model (`model`) and the loader of TOML agent definitions (`loader`)."""

from dxltools.agents.loader import bundled_agents, describe_agent, find_agent, load_agent
from dxltools.agents.model import Agent, AgentRun, AuditSpec, ParameterValue

__all__ = [
    "Agent",
    "AgentRun",
    "AuditSpec",
    "ParameterValue",
    "bundled_agents",
    "describe_agent",
    "find_agent",
    "load_agent",
]
