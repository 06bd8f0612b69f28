// Keyboard use of the intake page: ↓/↑ between the search box and the results, Enter picks.
(function () {
  const search = document.getElementById("client-search");
  if (!search) return;
  const options = () => Array.from(document.querySelectorAll("#client-result-list [data-client-pick]"));
  search.addEventListener("keydown", (event) => {
    const list = options();
    if (event.key === "ArrowDown" && list.length) { event.preventDefault(); list[0].focus(); }
    if (event.key === "Enter" && list.length) { event.preventDefault(); list[0].click(); }
  });
  document.addEventListener("keydown", (event) => {
    const list = options();
    const index = list.indexOf(document.activeElement);
    if (index < 0) return;
    if (event.key === "ArrowDown" && index < list.length - 1) { event.preventDefault(); list[index + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (index ? list[index - 1] : search).focus(); }
  });
  // Once a client is chosen: clear the results and go on with the equipment (or the caller).
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "client-panel") return;
    document.getElementById("client-results").innerHTML = "";
    const details = document.getElementById("new-client-details");
    if (details && event.detail.requestConfig.verb === "post") details.open = false;
    const next = document.getElementById("id_equipment") || document.getElementById("id_caller_name");
    if (next && event.detail.requestConfig.verb === "get") next.focus();
  });
})();
