// Swagger UI over the platform's own OpenAPI document, served from the binary.
window.addEventListener("load", function () {
  "use strict";
  window.SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
