"""Templates ask `can` what the viewer may do and see; none compares a role (DESIGN.md,
"Layers"). This walks every template and names the file and line of any that does."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from clinic.roles import Role

TEMPLATE_DIRS = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]

# The inside of every {% tag %} and {{ variable }}: HTML's role="..." attribute is not there.
TAG = re.compile(r"{%.*?%}|{{.*?}}", re.DOTALL)
ROLE_NAMES = "|".join(re.escape(role) for role in Role.values)
COMPARISONS = [
    # Any role read: user.role, request.user.role, invitation.role ... (get_role_display is
    # not matched: it only prints the role's name).
    re.compile(r"\.role\b"),
    # A variable named role, compared or tested for membership.
    re.compile(r"\brole\s*(==|!=|\bin\b|\bnot\b)"),
    # A role's value compared with anything ({% if kind == "physician" %}).
    re.compile(rf"(==|!=)\s*[\"']({ROLE_NAMES})[\"']|[\"']({ROLE_NAMES})[\"']\s*(==|!=)"),
]


def role_comparisons(text: str) -> list[tuple[int, str]]:
    """(line number, the tag) for each template tag or variable in `text` that reads a
    role."""
    found = []
    for match in TAG.finditer(text):
        if any(pattern.search(match.group()) for pattern in COMPARISONS):
            line = text.count("\n", 0, match.start()) + 1
            found.append((line, match.group()))
    return found


def test_no_template_compares_a_role():
    offences = [
        f"{path.relative_to(settings.BASE_DIR)}:{line}: {tag}"
        for directory in TEMPLATE_DIRS
        for path in sorted(directory.rglob("*.html")) + sorted(directory.rglob("*.txt"))
        for line, tag in role_comparisons(path.read_text())
    ]
    assert not offences, "Templates must ask `can`, not compare roles:\n" + "\n".join(offences)


def test_the_walk_finds_templates():
    assert sum(1 for d in TEMPLATE_DIRS for _ in d.rglob("*.html")) > 50


def test_the_check_finds_each_kind_of_role_comparison():
    planted = (
        '<div role="status">\n'  # HTML's role attribute: fine
        "{{ user.get_role_display }}\n"  # printing the role's name: fine
        "{% if can.book %}ok{% endif %}\n"
        '{% if user.role == "admin" %}x{% endif %}\n'
        "{% if request.user.role != 'client' %}x{% endif %}\n"
        '{% if invitation.role == "physician" %}x{% endif %}\n'
        "{% if role in staff_roles %}x{% endif %}\n"
        '{% if "therapist" == kind %}x{% endif %}\n'
        "{{ user.role }}\n"
        "{% if a.status == 'cancelled' %}fine{% endif %}\n"
    )
    assert [line for line, _ in role_comparisons(planted)] == [4, 5, 6, 7, 8, 9]
