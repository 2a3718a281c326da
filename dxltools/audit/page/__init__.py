"""The audit as one self-contained HTML page (`dxltools audit --html`)."""

from dxltools.audit.page.blocks import PageContext, PageInput
from dxltools.audit.page.render import render_html

__all__ = ["PageContext", "PageInput", "render_html"]
