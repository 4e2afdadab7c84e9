"""HTML pages: the main text is extracted with trafilatura (Barbaresi 2021, ACL demos), its block
elements becoming paragraphs; a page with no main text is refused with that reason. The date is
the one the page's markup gives (meta tags, JSON-LD, its URL), never one guessed from its text. Used for
`.html` files, `.txt` files that are HTML pages, and the HTML responses of WARC files."""

from __future__ import annotations

from crosswire.ingest.records import VISIBLE, UnreadableInput


def looks_like_html(text: str) -> bool:
    return text.lstrip()[:100].lower().startswith(("<!doctype html", "<html"))


def extract_html(html: str) -> dict:
    """The main text of an HTML page (its block elements as paragraphs) and its metadata: keys
    `text`, `title`, `url`, `published_at`, `sitename`. Raises `UnreadableInput` for a page
    without main text."""
    import trafilatura  # slow to import; only for HTML input
    from trafilatura.settings import DEFAULT_CONFIG

    limit = DEFAULT_CONFIG.getint("DEFAULT", "MAX_FILE_SIZE")
    if len(html) > limit:
        raise UnreadableInput(f"HTML page larger than the {limit / 1e6:g} MB trafilatura reads")
    page = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        # the date the page's markup states; not a guess from its text ("Copyright 2017" is no date)
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    lines = [line.strip() for line in (page.text or "").splitlines()] if page else []
    if not VISIBLE.search("".join(lines)):
        raise UnreadableInput("HTML page without article text (trafilatura found no main content)")
    return {
        "text": "\n\n".join(line for line in lines if line),
        "title": page.title,
        "url": page.url,
        "published_at": page.date,
        "sitename": page.sitename,
    }
