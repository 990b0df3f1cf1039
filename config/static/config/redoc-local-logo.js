// ReDoc's side menu shows Redocly's logo from their CDN. Show drf-yasg's own copy
// instead, so the docs load nothing from another host (and the Content-Security-Policy
// has nothing to refuse). Loaded before redoc.min.js; the tag's data-logo names the file.
(function () {
  "use strict";
  var replacements = {
    "https://cdn.redoc.ly/redoc/logo-mini.svg":
      document.currentScript.getAttribute("data-logo"),
  };
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src") {
      value = replacements[value] || value;
    }
    return setAttribute.call(this, name, value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, replacements[value] || value);
    },
  });
})();
