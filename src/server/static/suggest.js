/* Search-as-you-type for every input[data-suggest]: asks /api/suggest as the user types and shows
   the completions as an ARIA combobox (arrow keys, Enter, Escape, mouse). Without JavaScript the
   search form works the same, only without suggestions. */
/* global document, window */
(function () {
  'use strict';
  var counter = 0;

  function attach(input) {
    var form = input.form;
    var box = input.closest('.searchbox') || input.parentNode;
    var list = document.createElement('ul');
    var id = 'goi-y-' + counter++;
    list.id = id;
    list.className = 'suggestions';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'Gợi ý tìm kiếm');
    list.hidden = true;
    box.appendChild(list);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', id);

    var items = [];
    var active = -1;
    var timer = 0;
    var pending = null;
    var lastQuery = '';

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function select(i) {
      active = i;
      for (var k = 0; k < list.children.length; k++) {
        list.children[k].setAttribute('aria-selected', k === i ? 'true' : 'false');
      }
      if (i >= 0) input.setAttribute('aria-activedescendant', id + '-' + i);
      else input.removeAttribute('aria-activedescendant');
    }

    function choose(i) {
      input.value = items[i];
      close();
      if (form) form.submit();
    }

    function render(texts) {
      items = texts;
      list.textContent = '';
      if (!texts.length) return close();
      texts.forEach(function (t, i) {
        var li = document.createElement('li');
        li.id = id + '-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.textContent = t;
        li.addEventListener('mousedown', function (e) {
          e.preventDefault();
          choose(i);
        });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      active = -1;
    }

    function fetchSuggestions() {
      var q = input.value;
      if (q === lastQuery) return;
      lastQuery = q;
      if (pending) pending.abort();
      if (!q.trim()) return render([]);
      pending = new AbortController();
      window.fetch('/api/suggest?q=' + encodeURIComponent(q), { signal: pending.signal, headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value !== q) return;
          render((data.suggestions || []).map(function (s) { return s.text; }));
        })
        .catch(function () { /* aborted or offline: keep the form working without suggestions */ });
    }

    input.addEventListener('input', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, 60);
    });
    input.addEventListener('keydown', function (e) {
      if (list.hidden) return;
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        select((active + 1) % items.length);
      } else if (e.key === 'ArrowUp') {
        e.preventDefault();
        select(active <= 0 ? items.length - 1 : active - 1);
      } else if (e.key === 'Enter' && active >= 0) {
        e.preventDefault();
        choose(active);
      } else if (e.key === 'Escape') {
        // Close the list only; without this Chrome also clears a type=search input.
        e.preventDefault();
        close();
      }
    });
    input.addEventListener('blur', function () { window.setTimeout(close, 100); });
  }

  document.querySelectorAll('input[data-suggest]').forEach(attach);
})();
