//! Static files embedded in the binary: the vendored libraries (see
//! `assets/vendor/VENDORED.md`) and the platform's own CSS and scripts. Nothing is
//! fetched from outside, so the interface works on an intranet without internet.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

macro_rules! assets {
    ($($path:literal),+ $(,)?) => {
        /// Every embedded file: (path under `/static/`, bytes).
        pub const ASSETS: &[(&str, &[u8])] = &[$(($path, include_bytes!(concat!("../assets/", $path)))),+];
    };
}

assets!(
    "app/app.css",
    "app/app.js",
    "app/board.js",
    "app/map.js",
    "app/docs.js",
    "vendor/htmx.min.js",
    "vendor/echarts.min.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/images/layers.png",
    "vendor/leaflet/images/layers-2x.png",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
    "vendor/swagger-ui-bundle.js",
    "vendor/swagger-ui.css",
);

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// `GET /static/{*path}`.
pub async fn static_file(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(p, _)| *p == path) {
        Some((p, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type(p)),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
