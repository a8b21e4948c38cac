"""Serve the web dashboard (frontend/, built by Vite) as a single-page app.

Its assets are ordinary static files under /static/dashboard/ (STATICFILES_DIRS, served by
WhiteNoise); this view answers every /app/ URL with the built index.html so that deep
links and reloads land in the app, whose router then shows the right page.
"""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

NOT_BUILT = (
    "The dashboard is not built. Run `make frontend` (or `npm ci && npm run build` in "
    "frontend/), then reload.\n"
)


@require_safe
@never_cache  # index.html names the current asset hashes; a stale copy would load old code
@ensure_csrf_cookie  # the app's first write (log-in) needs the CSRF cookie
def dashboard(request, path: str = ""):
    index = settings.DASHBOARD_DIST_DIR / "index.html"
    try:
        html = index.read_bytes()
    except FileNotFoundError:
        return HttpResponse(NOT_BUILT, status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse(html, content_type="text/html; charset=utf-8")
