"""gzip for API bodies only."""

from django.middleware.gzip import GZipMiddleware


class ApiGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (random padding against BREACH), skipping video: it is
    compressed already, and a range answer (206) must stay byte for byte what it claims."""

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("video/") or response.has_header(
            "Content-Range"
        ):
            return response
        return super().process_response(request, response)
