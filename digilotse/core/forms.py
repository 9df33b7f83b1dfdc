"""Form rendering in the KERN UX design system, with accessible error messages next to fields."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

_INPUT_CLASSES = {
    "select": "kern-form-input__select",
    "selectmultiple": "kern-form-input__input dl-multiselect",
    "checkbox": "kern-form-check__checkbox",
    "checkboxselectmultiple": "kern-form-check__checkbox",
    "radioselect": "kern-form-check__radio",
}


class KernFormRenderer(TemplatesSetting):
    form_template_name = "forms/kern_form.html"
    field_template_name = "forms/kern_field.html"


class KernFormMixin:
    """Adds KERN classes to widgets and marks invalid fields for assistive technology."""

    fields: dict[str, forms.Field]
    errors: Any
    auto_id: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget_type = (
                type(field.widget).__name__.lower().removesuffix("input").removesuffix("widget")
            )
            css = _INPUT_CLASSES.get(widget_type, "kern-form-input__input")
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{existing} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                auto_id = self[name].auto_id  # type: ignore[index]
                described = [f"{auto_id}_error"]
                if self.fields[name].help_text:
                    described.append(f"{auto_id}_helptext")
                attrs["aria-describedby"] = " ".join(described)
                base = attrs.get("class", "")
                if "--error" not in base:
                    kern = [c for c in base.split() if c.startswith("kern-form")] or [
                        "kern-form-input__input"
                    ]
                    attrs["class"] = f"{base} {kern[0]}--error"


class KernForm(KernFormMixin, forms.Form):
    pass


class KernModelForm(KernFormMixin, forms.ModelForm):
    pass


def parse_german_decimal(value: str) -> str:
    """Accept „120.000,50“, „45.000“, „120000,5“ and „120000.5“: German users type all of them."""
    text = value.strip().replace(" ", "").replace("\u00a0", "").replace("€", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        # „45.000“ is forty-five thousand to a German reader, not 45.0.
        text = text.replace(".", "")
    return text


class GermanDecimalField(forms.DecimalField):
    """A decimal input that understands German thousands and decimal separators."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = parse_german_decimal(value)
        return super().to_python(value)


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field where one is named."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def format_german_decimal(value: Any) -> str:
    """Decimal → „45.000“ / „0,5“ for form fields, so what users see is what they would type."""
    if value is None or value == "":
        return ""
    from decimal import Decimal

    d = Decimal(str(value)).normalize()
    if d == d.to_integral():
        return f"{int(d):,}".replace(",", ".")
    whole, frac = f"{d:f}".split(".")
    return f"{int(whole):,}".replace(",", ".") + "," + frac
