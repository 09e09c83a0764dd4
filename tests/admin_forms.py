"""Build the POST data a browser would send back for a Wagtail admin form, inline rows
(and their own nested rows) included, so tests can change a field or two and save."""


def _field_value(bound_field):
    value = bound_field.value()
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, (list, tuple)):
        return [str(getattr(item, "pk", item)) for item in value]
    return "" if value is None else value


def admin_form_data(form, prefix: str = "") -> dict:
    """Every field of ``form`` and of its formsets, as posted; empty values left out."""
    data = {}
    for name, field in form.fields.items():
        if hasattr(field, "formsets"):
            continue
        data[f"{prefix}{name}"] = _field_value(form[name])
    for formset_name, formset in getattr(form, "formsets", {}).items():
        formset_prefix = f"{prefix}{formset_name}"
        data.update(
            {
                f"{formset_prefix}-{key}": value
                for key, value in formset.management_form.initial.items()
            }
        )
        for index, sub in enumerate(formset.forms):
            data.update(admin_form_data(sub, prefix=f"{formset_prefix}-{index}-"))
    return {key: value for key, value in data.items() if value not in ("", [])}


def browser_form_data(html: str, action: str = "") -> dict:
    """What a browser would post from the page's form (the first whose ``action`` contains
    ``action``): text and hidden inputs, ticked boxes, chosen options and text areas."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.done, self.data = False, False, {}
            self.select = self.textarea = None

        def add(self, name, value):
            if name in self.data:
                previous = self.data[name]
                self.data[name] = (
                    [*previous, value]
                    if isinstance(previous, list)
                    else [
                        previous,
                        value,
                    ]
                )
            else:
                self.data[name] = value

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and not self.done and action in (attrs.get("action") or ""):
                self.inside = True
            if not self.inside:
                return
            name = attrs.get("name")
            if tag == "input" and name and "disabled" not in attrs:
                kind = attrs.get("type", "text")
                if kind in ("checkbox", "radio"):
                    if "checked" in attrs:
                        self.add(name, attrs.get("value", "on"))
                elif kind not in ("submit", "button", "file", "image", "reset"):
                    self.add(name, attrs.get("value", ""))
            elif tag == "select" and name:
                self.select = name
            elif tag == "option" and self.select and "selected" in attrs:
                self.add(self.select, attrs.get("value", ""))
            elif tag == "textarea" and name:
                self.textarea = name
                self.add(name, "")

        def handle_data(self, data):
            if self.inside and self.textarea:
                self.data[self.textarea] += data

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None
            elif tag == "form" and self.inside:
                self.inside, self.done = False, True

    parser = Form()
    parser.feed(html)
    return parser.data
