"""``/api/v1/openapi.json`` and the human-readable reference at ``/api/v1/docs``, both from the spec.

The page is rendered on the server from the same document clients download: no
JavaScript, no CDN, nothing that can drift from the code.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify
from markupsafe import Markup, escape

from crm_platform.templating import render

METHOD_ORDER = ("get", "post", "patch", "delete")


def spec() -> dict[str, Any]:
    """The OpenAPI document of this application (built once, then cached)."""
    from crm_platform.api.openapi import build_spec

    cached = current_app.extensions.get("crm_api_spec")
    if cached is None:
        cached = build_spec(current_app.extensions["crm_api_resources"])
        current_app.extensions["crm_api_spec"] = cached
    return cached


def openapi_json() -> Response:
    """The OpenAPI 3.1 document (public: it holds no company data)."""
    return jsonify(spec())


def inline_code(text: str) -> Markup:
    """Escape ``text`` and show its `backticked` parts as code (the spec's descriptions are Markdown)."""
    parts = str(escape(text or "")).split("`")
    return Markup("".join(f"<code>{part}</code>" if index % 2 else part for index, part in enumerate(parts)))


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return components.get(ref.rsplit("/", 1)[-1], {})
    return schema


def type_label(schema: dict[str, Any], components: dict[str, Any]) -> str:
    """A short human description of a JSON Schema: ``string (max 100)``, ``integer or null``…"""
    if not isinstance(schema, dict) or not schema:
        return "any"
    if "anyOf" in schema:
        return " or ".join(type_label(option, components) for option in schema["anyOf"])
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_label(schema.get('items', {}), components)}"
    if kind == "object" and "additionalProperties" in schema:
        return f"map of {type_label(schema['additionalProperties'], components)}"
    limits = []
    for key, label in (("minLength", "min"), ("maxLength", "max"), ("minimum", "≥"), ("maximum", "≤")):
        if key in schema:
            limits.append(f"{label} {schema[key]}")
    if "format" in schema:
        limits.append(schema["format"])
    return f"{kind} ({', '.join(limits)})" if limits else str(kind)


def fields_of(schema: dict[str, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    """The properties of an object schema as rows: name, type, required, description."""
    resolved = _resolve(schema, components)
    required = set(resolved.get("required", []))
    return [
        {
            "name": name,
            "type": type_label(prop, components),
            "required": name in required,
            "description": prop.get("description", ""),
        }
        for name, prop in resolved.get("properties", {}).items()
    ]


def sections(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The operations grouped by tag, ready for the template."""
    components = document["components"]["schemas"]
    by_tag: dict[str, list[dict[str, Any]]] = {tag["name"]: [] for tag in document.get("tags", [])}
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in METHOD_ORDER:
            operation = item.get(method)
            if operation is None:
                continue
            params = [
                {"name": p["name"], "in": p["in"], "type": type_label(p.get("schema", {}), components),
                 "required": p.get("required", False), "description": p.get("description", "")}
                for p in [*shared, *operation.get("parameters", [])]
            ]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            responses = []
            for code, answer in operation["responses"].items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                responses.append({"code": code, "description": answer.get("description", ""),
                                  "schema": type_label(schema, components) if schema else ""})
            by_tag.setdefault(operation["tags"][0], []).append({
                "id": operation["operationId"], "method": method.upper(), "path": path,
                "summary": operation.get("summary", ""), "params": params,
                "body": fields_of(body, components) if body else None, "responses": responses,
            })
    descriptions = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    return [{"name": name, "description": descriptions.get(name, ""), "operations": ops} for name, ops in by_tag.items() if ops]


def docs_page() -> tuple[str, int]:
    """The API reference page, rendered from the OpenAPI document."""
    document = spec()
    components = document["components"]["schemas"]
    models = [
        {"name": name, "description": schema.get("description", ""), "fields": fields_of(schema, components)}
        for name, schema in sorted(components.items())
        if schema.get("properties")
    ]
    return render("api/docs.html", document=document, sections=sections(document), models=models, md=inline_code)
