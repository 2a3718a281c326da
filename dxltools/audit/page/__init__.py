"""The audit as one self-contained HTML page (`dxltools audit --html`)."""

from dxltools.audit.page.blocks import PageContext, PageInput
from dxltools.audit.page.model import DomainPart, PageModel, model_of_json, model_of_report
from dxltools.audit.page.render import render_html, write_html

__all__ = [
    "DomainPart",
    "PageContext",
    "PageInput",
    "PageModel",
    "model_of_json",
    "model_of_report",
    "render_html",
    "write_html",
]
