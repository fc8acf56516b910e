"""Every form says which fields must be filled: a control the browser or the service requires
carries ``aria-required`` and its label shows 必須 (Required on an English screen)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

FORMS = [
    ("collection", []),
    ("proposal_new", []),
    ("meeting_new", ["tokachi"]),
    ("editions", []),
    ("api_tokens", []),
]


class _Controls(HTMLParser):
    """The form controls of a page, and the text of each label by the id it names."""

    def __init__(self):
        super().__init__()
        self.controls = []  # (id, attrs)
        self.labels = {}
        self._label_for = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit"}:
            self.controls.append((a.get("id"), a))
        if tag == "label":
            self._label_for, self._text = a.get("for"), []

    def handle_data(self, data):
        if self._label_for is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for is not None:
            self.labels[self._label_for] = "".join(self._text)
            self._label_for = None


def _controls(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, name
    parser = _Controls()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.parametrize(("name", "args"), FORMS, ids=[f[0] for f in FORMS])
def test_required_controls_are_marked_in_their_label(client, personas, name, args):
    client.force_login(personas["hq_admin"])
    page = _controls(client, name, args)
    required = [(i, a) for i, a in page.controls if "required" in a or a.get("aria-required")]
    assert required, f"{name}: the form has required fields"
    for control_id, attrs in required:
        assert attrs.get("aria-required") == "true", (name, control_id)
        assert "必須" in page.labels.get(control_id, ""), (name, control_id, page.labels)


def test_the_collection_round_form_marks_its_year_and_deadline_only(client, personas):
    client.force_login(personas["hq_admin"])
    page = _controls(client, "collection", [])
    marked = {i for i, label in page.labels.items() if "必須" in label}
    # the budget year, title and request text have defaults; the year and deadline have none
    assert marked == {"r-fy", "r-deadline"}


def test_an_english_screen_says_required(client, personas):
    client.force_login(personas["hq_admin"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("collection"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Required" in html and "必須" not in html
