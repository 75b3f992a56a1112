"""Server-rendered pages (Jinja2 templates over the same services and role rules as the API).

``install(app)`` mounts ``/static`` (the hand-written stylesheet, no external assets) and
adds the page routers. What later phases reuse:

- :mod:`.rendering`: ``render(request, template, context)``, the filters (``when``,
  ``day``, ``label``...), ``NAV`` (a link shows once its route exists and the role fits);
- :mod:`.session`: ``PageContext`` (signed-in user or a redirect to /sign-in),
  ``PageForm`` (the POSTed form, CSRF-checked), ``PageRoute`` (errors as HTML pages);
- :mod:`.forms`: ``FormState`` and ``validated`` (API request models for form input);
- templates ``base.html`` and ``macros/forms.html``, ``macros/timeline.html``.

See docs/web.md.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from adapters.http.pages import audit, cases, home, jag, plans, rag, reviews, sign_in


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(packages=[("adapters.http", "static")]), name="static")
    app.include_router(sign_in.router)
    app.include_router(home.router)
    app.include_router(cases.router)
    app.include_router(plans.router)
    app.include_router(reviews.router)
    app.include_router(audit.router)
    app.include_router(jag.router)
    app.include_router(rag.router)
