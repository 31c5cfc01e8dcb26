"""Compressed answers reach Scrapy's decompression as plain responses.

The download handler types a response by its headers: a gzipped ``text/html`` answer becomes
an ``HtmlResponse`` whose body is still compressed. ``HttpCompressionMiddleware`` then
replaces it with the decompressed one, and ``Response.replace`` reads every attribute of the
old response on the way, the text encoding included, which for an undeclared charset means
decoding the whole compressed body to guess it (about as long as the decompression itself,
for nothing: the guess is thrown away). Handed a plain ``Response``, the middleware types the
decompressed body as before, and no guess is made on bytes that are not text.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response, TextResponse

# Just below the downloader side of HttpCompressionMiddleware (590): responses pass the
# middlewares from the highest order down, so this one sees them first.
ORDER = 591


class CompressedAsPlainMiddleware:
    """Retypes a text response whose body is still content-encoded as a plain response."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.headers.get(
            "Content-Encoding"
        ):
            return response
        # Built directly rather than with replace(): replace() would read the encoding.
        return Response(
            url=response.url,
            status=response.status,
            headers=response.headers,
            body=response.body,
            flags=response.flags,
            request=response.request,
            certificate=response.certificate,
            ip_address=response.ip_address,
            protocol=response.protocol,
        )
