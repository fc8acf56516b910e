// Municipality pickers: a filter by name or reading (hiragana or katakana alike) that shows
// only the matching municipalities and opens their bureaus, and a count of those chosen.
// Without scripts the grouped checkboxes work as they are.
(function () {
  "use strict";
  function katakana(text) {
    return text.replace(/[\u3041-\u3096]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) + 0x60);
    });
  }
  function fold(text) { return katakana(text.normalize("NFKC")).toLowerCase(); }
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var tools = picker.querySelector("[data-picker-tools]");
    var filter = picker.querySelector("[data-picker-filter]");
    var count = picker.querySelector("[data-picker-count]");
    tools.hidden = false;
    function showCount() {
      var n = picker.querySelectorAll("input[type=checkbox]:checked").length;
      count.textContent = picker.getAttribute("data-chosen").replace("{n}", String(n));
    }
    filter.addEventListener("input", function () {
      var query = fold(filter.value.trim());
      picker.querySelectorAll("details").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("li[data-name]").forEach(function (item) {
          var match = !query || fold(item.getAttribute("data-name")).indexOf(query) >= 0 ||
            fold(item.getAttribute("data-kana")).indexOf(query) >= 0;
          item.hidden = !match;
          if (match) { shown += 1; }
        });
        group.hidden = shown === 0;
        if (query) { group.open = shown > 0; }
      });
    });
    picker.addEventListener("change", showCount);
    showCount();
  });
})();
