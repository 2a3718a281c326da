"""The bundled agent definitions, installed as the package ``dxltools.bundled_agents``."""
