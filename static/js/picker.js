// Searchable pickers (interventions/pickers.py): type, ↓/↑ through the suggestions htmx
// brings, Enter or a click chooses, Escape closes. Typing again forgets the chosen id, so the
// text alone is resolved by the server (as without JavaScript).
(function () {
  function setup(box) {
    const input = box.querySelector("[role=combobox]");
    const hidden = box.querySelector("[data-picker-value]");
    const list = box.querySelector("[role=listbox]");
    let active = -1;
    const options = () => Array.from(list.querySelectorAll("[role=option]:not([aria-disabled])"));
    function show(open) {
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) highlight(-1);
    }
    function highlight(index) {
      const all = options();
      all.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function choose(option) {
      hidden.value = option.dataset.value;
      input.value = option.dataset.label;
      show(false);
    }
    input.addEventListener("input", () => { hidden.value = ""; });
    input.addEventListener("keydown", (event) => {
      const all = options();
      if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        show(true);
        highlight(Math.min(active + 1, all.length - 1));
      } else if (event.key === "ArrowUp" && all.length) {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(all[active]);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        show(false);
      }
    });
    input.addEventListener("blur", () => show(false));
    // A click on a suggestion must not blur the input before it is chosen.
    list.addEventListener("mousedown", (event) => event.preventDefault());
    list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]:not([aria-disabled])");
      if (option) choose(option);
    });
    list.addEventListener("htmx:afterSwap", () => {
      highlight(-1);
      show(list.children.length > 0 && document.activeElement === input);
    });
  }
  document.querySelectorAll("[data-picker]").forEach(setup);
})();
