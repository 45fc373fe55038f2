"""The text an administrator types for a public notice, turned into safe HTML.

A small, fixed subset of Markdown, because notices need headings, paragraphs, lists and
links and nothing else, and because whatever an administrator types (or pastes from a Word
document) must never become markup on a public page:

- a blank line starts a new paragraph; a single line break is kept as a line break
  (addresses);
- `## Heading` and `### Smaller heading` (`# ` is taken as `## `: the page has its own h1);
- lines starting `- ` or `* ` make a bulleted list, `1. ` a numbered one;
- `**bold**`;
- `[words](https://…)` links, and bare `https://…` addresses and email addresses become links.
  Only http(s), mailto: and tel: addresses are ever linked.

Everything is escaped first and the few tags are added afterwards, so `<script>` typed into
a notice is shown as text.
"""

import re

from markupsafe import Markup, escape

HEADING = re.compile(r"(#{1,3})\s+(.*)")
BULLET = re.compile(r"[-*]\s+(.*)")
NUMBERED = re.compile(r"\d{1,3}[.)]\s+(.*)")
# On escaped text: `&` is `&amp;`, quotes are `&#34;`/`&#39;`, so nothing here can leave an
# attribute value.
INLINE = re.compile(
    r"\[(?P<words>[^\]\n]+)\]\((?P<target>(?:https?://|mailto:|tel:)[^\s)]+)\)"
    r"|(?P<url>https?://[^\s<]+[^\s<.,;:!?)])"
    r"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})"
    r"|\*\*(?P<bold>[^*\n]+)\*\*"
)


def _inline(text: str) -> str:
    def replace(match):
        if match["words"] is not None:
            return f'<a href="{match["target"]}">{match["words"]}</a>'
        if match["url"] is not None:
            return f'<a href="{match["url"]}">{match["url"]}</a>'
        if match["email"] is not None:
            return f'<a href="mailto:{match["email"]}">{match["email"]}</a>'
        return f"<strong>{match['bold']}</strong>"

    return INLINE.sub(replace, str(escape(text)))


def render(text: str, *, heading_level: int = 2) -> Markup:
    """The notice as HTML. `heading_level` is what `## ` becomes (the preview, under its
    own heading, shifts every heading down one)."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = None

    def close_paragraph():
        if paragraph:
            out.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_list():
        nonlocal list_tag
        if items:
            css = "nhsuk-list--bullet" if list_tag == "ul" else "nhsuk-list--number"
            body = "".join(f"<li>{_inline(item)}</li>" for item in items)
            out.append(f'<{list_tag} class="nhsuk-list {css}">{body}</{list_tag}>')
            items.clear()
        list_tag = None

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close_paragraph()
            close_list()
            continue
        heading = HEADING.fullmatch(line)
        if heading and heading[2].strip():
            close_paragraph()
            close_list()
            level = min(heading_level + max(len(heading[1]) - 2, 0), 6)
            out.append(f"<h{level}>{_inline(heading[2].strip())}</h{level}>")
            continue
        bullet, numbered = BULLET.fullmatch(line), NUMBERED.fullmatch(line)
        if bullet or numbered:
            tag = "ul" if bullet else "ol"
            close_paragraph()
            if list_tag != tag:
                close_list()
                list_tag = tag
            items.append((bullet or numbered)[1])
            continue
        if items and raw[:1].isspace():
            items[-1] += " " + line  # an indented line carries on the item above
            continue
        close_list()
        paragraph.append(line)
    close_paragraph()
    close_list()
    return Markup("\n".join(out))


def places_to_fill_in(text: str) -> int:
    """How many `[Fill in: …]` markers the default text left in."""
    return (text or "").count("[Fill in")
