// ReDoc over the API's own OpenAPI document, from local files (no CDN, no web fonts).
Redoc.init("/openapi.json", { disableSearch: false, hideDownloadButton: false }, document.getElementById("redoc"));
