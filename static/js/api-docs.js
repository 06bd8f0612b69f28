// The API's page (/api/docs/): Swagger UI reads the schema with this session's cookie; its
// "Try it out" requests carry the CSRF token of the page (the cookie is HttpOnly).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    // Without deep links: the path of an operation would be a link inside its button (axe:
    // nested-interactive).
    deepLinking: false,
    layout: "BaseLayout",
    requestInterceptor: function (request) {
      if (csrf) {
        request.headers["X-CSRFToken"] = csrf.value;
      }
      return request;
    },
  });
})();
