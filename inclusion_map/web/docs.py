"""``/api/docs``: the open API explained for people, generated from the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, render_template

from .openapi import document

bp = Blueprint("docs", __name__)


@bp.get("/api/docs")
def api_docs():
    return render_template("api_docs.html", doc=document())
