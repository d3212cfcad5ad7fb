// The query editor: YASGUI wired to this server's SPARQL endpoint and nothing else.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var Yasqe = Yasgui.Yasqe;
  // The "property" and "class" autocompleters ask a remote vocabulary service while typing;
  // keep only those that work offline (prefixes from the bundled list, variables from the query).
  Yasqe.defaults.autocompleters = Yasqe.defaults.autocompleters.filter(function (name) {
    return name !== "property" && name !== "class";
  });
  var endpoint = new URL(config.endpoint, location.href).href;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return []; } },
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
  });
  var tab = yasgui.getTab();
  tab.setEndpoint(endpoint);
  tab.getYasqe().setValue(config.query);
  window.ptkgEditor = yasgui;
})();
