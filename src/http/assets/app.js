/* sheetload's page: choose a file, check its columns, import, fix rejected
 * rows, see the history. Plain DOM, no framework; every call is the public
 * HTTP API that curl uses (README, "The web page"). Text from the server is
 * only ever set as textContent. */
'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var S = { info: null, preview: null, mapping: [], checked: null, job: null, poll: 0, xhr: null, rejects: null };
  var SCREENS = ['s-token', 's-choose', 's-check', 's-import', 's-result', 's-history'];
  var nf = new Intl.NumberFormat();
  var n = function (v) { return nf.format(v || 0); };
  var plural = function (v, one, many) { return n(v) + ' ' + (v === 1 ? one : many); };

  function el(tag, attrs) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function bytes(v) {
    if (v >= 1e9) return (v / 1e9).toFixed(1).replace(/\.0$/, '') + ' GB';
    if (v >= 1e6) return (v / 1e6).toFixed(1).replace(/\.0$/, '') + ' MB';
    if (v >= 1e3) return Math.round(v / 1e3) + ' KB';
    return v + ' bytes';
  }
  function secs(s) {
    if (s < 1) return (Math.round(s * 10) / 10 || 0.1) + ' s';
    if (s < 90) return Math.round(s) + ' s';
    return Math.round(s / 60) + ' min';
  }
  function when(iso) {
    if (!iso) return '';
    var d = new Date(String(iso).replace(' ', 'T').replace(/\+00$/, 'Z').replace(/(\d)$/, '$1Z'));
    return isNaN(d) ? iso : d.toLocaleString();
  }
  function letter(i) { var s = ''; i++; while (i > 0) { s = String.fromCharCode(65 + (i - 1) % 26) + s; i = Math.floor((i - 1) / 26); } return s; }

  /* ---- screens, messages ------------------------------------------------ */
  function show(id) {
    SCREENS.forEach(function (s) { $(s).hidden = s !== id; });
    var h = $(id).querySelector('h1');
    document.title = h.textContent + ' – sheetload';
    h.focus();
  }
  function say(text) { $('live').textContent = text; }
  function problem(text) {
    $('summary-text').textContent = text;
    $('summary').hidden = false;
    $('summary').focus();
  }
  function noProblem() { $('summary').hidden = true; }
  function fieldError(field, errId, text) {
    $(errId).textContent = text || '';
    $(errId).hidden = !text;
    if (field) $(field).classList.toggle('has-error', !!text);
  }
  function disable(btn, why, whyEl) {
    btn.setAttribute('aria-disabled', why ? 'true' : 'false');
    if (whyEl) $(whyEl).textContent = why || '';
  }
  function disabled(btn) { return btn.getAttribute('aria-disabled') === 'true'; }

  /* ---- the API ------------------------------------------------------------ */
  function token() { try { return sessionStorage.getItem('sheetload-token') || ''; } catch (e) { return ''; } }
  function headers(extra) {
    var h = extra || {};
    if (token()) h.Authorization = 'Bearer ' + token();
    return h;
  }
  function ApiError(status, data, text) { this.status = status; this.data = data || {}; this.message = text; }
  /* Plain words for an answer that went wrong. */
  function plain(status, data, what) {
    var msg = data && data.error;
    if (status === 0) return 'The server did not answer. Check that it is running and your connection works, then try again.';
    if (status === 401) return 'That access token is not right. Check it with the person who runs this server.';
    if (status === 413) return 'The file must be smaller than ' + bytes(S.info ? S.info.max_upload : 1e8) + '.';
    if (status === 400 && /Only Excel files/.test(msg || '')) return (what ? '“' + what + '” is not a spreadsheet. ' : 'This is not a spreadsheet. ') + 'Choose an Excel (.xlsx, .xls) or CSV (.csv) file.';
    if (status === 404) return msg ? msg.charAt(0).toUpperCase() + msg.slice(1) + '. It may have expired: start again with the file.' : 'Not found.';
    if (status === 503) return (msg ? msg + '. ' : '') + 'The server or its database is busy or unreachable; try again in a minute.';
    if (status >= 500) return 'The server failed' + (msg ? ': ' + msg : '') + '. Try again; if it keeps failing, tell the person who runs it.';
    return msg ? msg.charAt(0).toUpperCase() + msg.slice(1) : 'Something went wrong (HTTP ' + status + ').';
  }
  function api(method, path, body) {
    var opt = { method: method, headers: headers(body ? { 'Content-Type': 'application/json' } : {}) };
    if (body) opt.body = JSON.stringify(body);
    return fetch(path, opt).then(function (r) {
      return r.text().then(function (t) {
        var d = null;
        try { d = t ? JSON.parse(t) : {}; } catch (e) { d = { error: t }; }
        if (!r.ok) throw new ApiError(r.status, d, plain(r.status, d));
        return d;
      });
    }, function () { throw new ApiError(0, null, plain(0)); });
  }
  function onApiError(e) {
    if (e.status === 401) { askToken(token() ? plain(401) : ''); return; }
    problem(e.message || String(e));
  }

  /* ---- token ---------------------------------------------------------------- */
  function askToken(err) {
    show('s-token');
    fieldError('token-field', 'token-error', err);
    if (err) { $('token').setAttribute('aria-invalid', 'true'); $('token').focus(); }
  }
  $('f-token').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var t = $('token').value.trim();
    if (!t) { fieldError('token-field', 'token-error', 'Enter the access token.'); $('token').focus(); return; }
    try { sessionStorage.setItem('sheetload-token', t); } catch (e) { /* private mode: asked again */ }
    S.info = null;
    start();
  });

  /* ---- 1. choose a file ----------------------------------------------------- */
  function choose() {
    noProblem();
    show('s-choose');
    $('f-choose').hidden = false;
    $('uploading').hidden = true;
    fieldError('file-field', 'file-error', '');
    $('file').value = '';
  }
  function upload(file) {
    noProblem();
    fieldError('file-field', 'file-error', '');
    if (!/\.(xlsx|csv|xls|txt)$/i.test(file.name) && file.type && !/csv|spreadsheet|excel|text/.test(file.type)) {
      fieldError('file-field', 'file-error', '“' + file.name + '” is not a spreadsheet. Choose an Excel (.xlsx) or CSV (.csv) file.');
      return;
    }
    if (S.info && file.size > S.info.max_upload) {
      fieldError('file-field', 'file-error', 'The file must be smaller than ' + bytes(S.info.max_upload) + '. “' + file.name + '” is ' + bytes(file.size) + '.');
      return;
    }
    var fd = new FormData();
    fd.append('file', file, file.name);
    var x = new XMLHttpRequest();
    S.xhr = x;
    x.open('POST', '/previews');
    var h = headers();
    for (var k in h) x.setRequestHeader(k, h[k]);
    $('f-choose').hidden = true;
    $('uploading').hidden = false;
    $('up-name').textContent = file.name;
    $('up-bar').value = 0;
    $('up-label').textContent = 'Sending the file';
    $('up-text').textContent = '0 of ' + bytes(file.size);
    x.upload.onprogress = function (ev) {
      if (!ev.lengthComputable) return;
      $('up-bar').value = Math.round(100 * ev.loaded / ev.total);
      $('up-text').textContent = bytes(Math.min(ev.loaded, file.size)) + ' of ' + bytes(file.size) + ' sent';
      if (ev.loaded >= ev.total) {
        $('up-label').textContent = 'Reading the file';
        $('up-text').textContent = 'Checking every row; this takes a few seconds for a large file.';
        $('up-bar').removeAttribute('value');
      }
    };
    x.onload = function () {
      S.xhr = null;
      var d = {};
      try { d = JSON.parse(x.responseText); } catch (e) { d = { error: x.responseText }; }
      if (x.status === 201 || x.status === 200) {
        S.preview = d;
        S.mapping = d.mapping.slice();
        S.checked = d.mapping.slice();
        go('#/previews/' + d.id);
        renderCheck();
        return;
      }
      $('f-choose').hidden = false;
      $('uploading').hidden = true;
      if (x.status === 401) { askToken(plain(401)); return; }
      var msg = plain(x.status, d, file.name);
      fieldError('file-field', 'file-error', msg);
      problem(msg);
    };
    x.onerror = function () {
      S.xhr = null;
      $('f-choose').hidden = false;
      $('uploading').hidden = true;
      fieldError('file-field', 'file-error', plain(0));
      problem(plain(0));
    };
    x.onabort = function () {
      S.xhr = null;
      $('f-choose').hidden = false;
      $('uploading').hidden = true;
      say('Upload cancelled.');
      $('file').focus();
    };
    x.send(fd);
  }
  $('file').addEventListener('change', function () { if (this.files[0]) upload(this.files[0]); });
  $('up-cancel').addEventListener('click', function () { if (S.xhr) S.xhr.abort(); });
  var drop = $('drop');
  ['dragenter', 'dragover'].forEach(function (t) {
    drop.addEventListener(t, function (ev) { ev.preventDefault(); drop.classList.add('over'); });
  });
  ['dragleave', 'drop'].forEach(function (t) {
    drop.addEventListener(t, function () { drop.classList.remove('over'); });
  });
  drop.addEventListener('drop', function (ev) {
    ev.preventDefault();
    var f = ev.dataTransfer && ev.dataTransfer.files[0];
    if (f) upload(f);
  });

  /* ---- 2. check the columns -------------------------------------------------- */
  function go(h) { history.pushState(null, '', h); S.at = location.hash; }
  function same(a, b) { return a && b && a.length === b.length && a.every(function (v, i) { return v === b[i]; }); }
  function renderDry() {
    var p = S.preview, d = p.dry_run || {}, box = clear($('dry'));
    box.className = 'panel';
    if (d.error) {
      box.classList.add('bad');
      box.appendChild(el('h2', { text: 'These columns cannot be imported' }));
      box.appendChild(el('p', { class: 'field-error', text: d.error }));
      return;
    }
    box.classList.add(d.bad ? 'bad' : 'good');
    var head = plural(d.good, 'row is', 'rows are') + ' ready' + (d.bad ? ', ' + plural(d.bad, 'row has', 'rows have') + ' problems' : '') + '.';
    box.appendChild(el('h2', { text: head }));
    box.appendChild(el('p', { class: 'muted', text: 'Checked all ' + plural(d.rows, 'row', 'rows') + ' of the sheet in ' + secs(d.seconds || 0) +
      (d.blank ? '; ' + plural(d.blank, 'empty row is', 'empty rows are') + ' skipped' : '') + '. Nothing has been saved yet.' }));
    if (d.problems && d.problems.length) {
      box.appendChild(el('p', { text: d.bad > d.problems.length ? 'The first problems:' : 'The problems:' }));
      var ul = el('ul', { class: 'problems' });
      d.problems.forEach(function (q) { ul.appendChild(el('li', null, el('strong', { text: 'Row ' + n(q.row) + ': ' }), q.reason)); });
      box.appendChild(ul);
      box.appendChild(el('p', { class: 'muted', text: 'Rows with problems are not saved; after the import you can correct them on the page and import them.' }));
    }
  }
  function syncCheck() {
    var p = S.preview, stale = !same(S.mapping, S.checked), dry = p.dry_run || {};
    disable($('recheck'), stale ? '' : 'The counts above are up to date.', 'recheck-why');
    if (stale) $('recheck-why').textContent = 'You changed the columns: check the rows again before you import.';
    var why = stale ? 'Check the rows again first.' : dry.error ? 'Fix the columns first.' : !dry.good ? 'No row is ready to import.' : '';
    disable($('import'), why, 'import-why');
    $('import').textContent = dry.good && !stale ? 'Import ' + plural(dry.good, 'row', 'rows') : 'Import rows';
    var cols = p.columns || [];
    cols.forEach(function (c, i) {
      var skip = !S.mapping[i];
      document.querySelectorAll('#preview .c' + i).forEach(function (td) { td.classList.toggle('skipped', skip); });
      var g = $('guess-' + i);
      if (g) g.hidden = !(S.mapping[i] && S.mapping[i] === p.suggested[i]);
    });
  }
  function renderCheck() {
    var p = S.preview;
    noProblem();
    show('s-check');
    $('c-file').textContent = p.file + ' (' + bytes(p.size) + ')';
    $('c-table').textContent = p.table;
    var sf = $('sheet');
    $('sheet-field').hidden = !(p.sheets && p.sheets.length > 1);
    clear(sf);
    (p.sheets || []).forEach(function (s) { sf.appendChild(el('option', { value: s, text: s })); });
    sf.value = p.sheet;
    $('c-header').textContent = p.header_row ? 'The headings are in row ' + p.header_row + '; the rows below them are the data.' :
      'The sheet has no heading row: every row is data.';
    renderDry();
    var thead = clear($('preview').tHead), tbody = clear($('preview').tBodies[0]);
    var tr = el('tr', null, el('th', { scope: 'col', class: 'num', text: 'Row' }));
    (p.columns || []).forEach(function (c, i) {
      var id = 'map-' + i, sel = el('select', { id: id, 'data-col': i });
      sel.appendChild(el('option', { value: '', text: 'Skip this column' }));
      p.table_columns.forEach(function (t) { sel.appendChild(el('option', { value: t, text: '→ ' + t })); });
      sel.value = S.mapping[i] || '';
      sel.addEventListener('change', onMap);
      var name = c.header ? '“' + c.header + '”' : '(no heading)';
      tr.appendChild(el('th', { scope: 'col', class: 'c' + i },
        el('label', { for: id, class: 'head' }, el('span', { class: 'letter', text: c.letter }), ' ' + name,
          el('span', { class: 'visually-hidden', text: ' goes to' })),
        sel, el('span', { class: 'guess', id: 'guess-' + i, text: 'Guessed' })));
    });
    thead.appendChild(tr);
    (p.rows || []).forEach(function (r) {
      var row = el('tr', null, el('th', { scope: 'row', class: 'num', text: String(r.row) }));
      (p.columns || []).forEach(function (c, i) { row.appendChild(el('td', { class: 'c' + i, text: r.cells[i] || '' })); });
      tbody.appendChild(row);
    });
    $('preview-caption').textContent = p.rows && p.rows.length ? 'The first ' + plural(p.rows.length, 'row', 'rows') + ' of sheet “' + p.sheet + '”' : 'The sheet has no data rows';
    var m = $('method');
    if (!m.options.length) {
      m.appendChild(el('option', { value: '', text: 'Default (' + S.info.default_method + ')' }));
      S.info.methods.forEach(function (x) { m.appendChild(el('option', { value: x, text: x })); });
    }
    fieldError(null, 'map-error', '');
    syncCheck();
  }
  function onMap(ev) {
    var i = +ev.target.getAttribute('data-col'), v = ev.target.value;
    if (v) S.mapping.forEach(function (m, k) {
      if (k !== i && m === v) { S.mapping[k] = ''; $('map-' + k).value = ''; say('Column ' + letter(k) + ' is now skipped: only one column can go to ' + v + '.'); }
    });
    S.mapping[i] = v;
    syncCheck();
  }
  function recheck(sheetChanged) {
    var p = S.preview, body = {};
    if (p.sheets && p.sheets.length > 1) body.sheet = $('sheet').value;
    if (!sheetChanged) body.mapping = S.mapping;
    disable($('recheck'), 'Checking every row…', 'recheck-why');
    disable($('import'), 'Checking every row…', 'import-why');
    clear($('dry')).appendChild(el('p', null, el('progress', { 'aria-label': 'Checking the rows' }), 'Checking every row of the sheet…'));
    return api('POST', '/previews/' + p.id, body).then(function (d) {
      S.preview = d;
      S.mapping = d.mapping.slice();
      S.checked = d.mapping.slice();
      renderCheck();
      say(d.dry_run && !d.dry_run.error ? plural(d.dry_run.good, 'row is', 'rows are') + ' ready, ' + plural(d.dry_run.bad, 'row has', 'rows have') + ' problems.' : 'The columns cannot be imported.');
      $('dry').setAttribute('tabindex', '-1');
      $('dry').focus();
    }).catch(function (e) { syncCheck(); onApiError(e); });
  }
  $('recheck').addEventListener('click', function () { if (!disabled(this)) recheck(false); });
  $('sheet').addEventListener('change', function () { recheck(true); });
  $('import').addEventListener('click', function () {
    if (disabled(this)) { $('import-why').focus && say($('import-why').textContent); return; }
    startImport();
  });
  function startImport() {
    var p = S.preview;
    disable($('import'), 'Starting…', 'import-why');
    var body = { sheet: p.sheet, mapping: S.mapping, force: $('force').checked };
    if ($('method').value) body.method = $('method').value;
    return api('POST', '/previews/' + p.id + '/import', body).then(function (d) {
      go('#/imports/' + d.id);
      watch(d.id);
    }).catch(function (e) { syncCheck(); onApiError(e); });
  }

  /* ---- 3. importing ------------------------------------------------------------ */
  function watch(id) {
    clearTimeout(S.poll);
    api('GET', '/imports/' + encodeURIComponent(id)).then(function (j) {
      if (j.job) j = j.job; /* the ledger's view of a job the server still holds */
      S.job = j;
      if (j.status === 'queued' || j.status === 'running') {
        renderProgress(j);
        S.poll = setTimeout(function () { if (location.hash === '#/imports/' + id) watch(id); }, 400);
      } else {
        if (j.import_id && String(j.import_id) !== id && j.status !== 'failed') { history.replaceState(null, '', '#/imports/' + j.import_id); S.at = location.hash; }
        renderResult(j);
      }
    }).catch(function (e) {
      if (e.status === 404) { show('s-result'); renderMissing(id, e.message); return; }
      onApiError(e);
    });
  }
  function renderProgress(j) {
    if ($('s-import').hidden) { noProblem(); show('s-import'); }
    var p = j.progress || {};
    $('i-file').textContent = j.file || '';
    $('h-import').textContent = j.status === 'queued' ? 'Waiting for a free slot' : 'Importing';
    var bar = $('i-bar');
    if (p.percent >= 0 && j.status === 'running') bar.value = p.percent; else bar.removeAttribute('value');
    var parts = [plural(p.rows_done, 'row', 'rows') + ' done'];
    if (p.rows_per_second > 0) parts.push(n(Math.round(p.rows_per_second)) + ' rows a second');
    if (p.percent > 0) parts.push(Math.floor(p.percent) + '%');
    if (p.percent > 0 && p.percent < 100 && p.elapsed_s > 0) parts.push('about ' + secs(p.elapsed_s * (100 - p.percent) / p.percent) + ' left');
    $('i-text').textContent = j.status === 'queued' ? 'Other imports are running; this one starts when one of them ends.' : parts.join(' · ');
    disable($('i-cancel'), j.cancel_requested ? 'Cancelling…' : '');
  }
  $('i-cancel').addEventListener('click', function () {
    if (disabled(this) || !S.job) return;
    disable(this, 'Cancelling…');
    $('i-text').textContent = 'Cancelling: the rows being written are finished first…';
    api('DELETE', '/imports/' + S.job.id).catch(onApiError);
  });

  /* ---- 4. result ------------------------------------------------------------ */
  function renderMissing(id, msg) {
    $('h-result').textContent = 'Import not found';
    var b = $('r-banner');
    b.className = 'banner bad';
    b.textContent = msg;
    clear($('r-stats'));
    $('r-fix').hidden = true;
    $('r-resume').hidden = true;
    $('r-link').textContent = '';
  }
  function stat(dl, label, value) { dl.appendChild(el('div', null, el('dt', { text: label }), el('dd', { text: value }))); }
  function renderResult(j) {
    noProblem();
    show('s-result');
    var st = j.stats || {}, ok = st.success_count || 0, bad = st.error_count || 0, b = $('r-banner');
    var done = j.status === 'completed';
    $('h-result').textContent = done ? 'Import finished' : j.status === 'cancelled' ? 'Import cancelled' : 'Import failed';
    b.className = 'banner' + (done && !bad ? '' : done || j.status === 'cancelled' ? ' warn' : ' bad');
    if (done && !bad) b.textContent = 'All ' + plural(ok, 'row was', 'rows were') + ' imported.';
    else if (done) b.textContent = plural(ok, 'row', 'rows') + ' imported. ' + plural(bad, 'row needs', 'rows need') + ' fixing: see below.';
    else if (j.status === 'cancelled') b.textContent = 'The import was cancelled after ' + plural(ok, 'row', 'rows') + '. Nothing is lost: the rows saved so far stay, and continuing picks up exactly where it stopped.';
    else b.textContent = 'The import stopped: ' + (j.error || 'see the server log') + '.';
    var dl = clear($('r-stats'));
    stat(dl, done ? 'Rows in the file' : 'Rows read so far', n(st.total_records));
    stat(dl, 'Imported', n(ok));
    stat(dl, 'Need fixing', n(bad));
    if (st.skipped_blank) stat(dl, 'Empty rows skipped', n(st.skipped_blank));
    if (st.duration_ms) stat(dl, 'Time', secs(st.duration_ms / 1000));
    if (st.records_per_second) stat(dl, 'Speed', n(Math.round(st.records_per_second)) + ' rows/s');
    var id = j.import_id || j.id;
    $('r-link').textContent = 'Import ' + id + (j.parent_id ? ', fixes for import ' + j.parent_id : '') + ' into table “' + (st.table || j.table || '') + '”' +
      (j.created_at ? ', started ' + when(j.created_at) : '') + '. This page’s address always shows this result.';
    $('r-resume').hidden = j.status === 'completed' || !j.preview;
    $('r-fix').hidden = !(done && bad > 0);
    if (done && bad > 0) loadRejects(j);
  }
  $('r-continue').addEventListener('click', function () {
    var j = S.job;
    if (!j || !j.preview) return;
    api('GET', '/previews/' + j.preview).then(function (p) {
      S.preview = p;
      S.mapping = j.mapping ? j.mapping.slice() : p.mapping.slice();
      return api('POST', '/previews/' + p.id + '/import', { mapping: S.mapping });
    }).then(function (d) {
      go('#/imports/' + d.id);
      watch(d.id);
    }).catch(function (e) {
      if (e.status === 404) problem('The uploaded file has been deleted from the server. Upload the same file again: the import continues where it stopped.');
      else onApiError(e);
    });
  });

  /* CSV as RFC 4180 (the rejects file): rows of fields. */
  function parseCsv(t) {
    var rows = [], row = [], f = '', q = false;
    for (var i = 0; i < t.length; i++) {
      var c = t[i];
      if (q) {
        if (c === '"') { if (t[i + 1] === '"') { f += '"'; i++; } else q = false; } else f += c;
      } else if (c === '"') q = true;
      else if (c === ',') { row.push(f); f = ''; }
      else if (c === '\n' || c === '\r') {
        if (c === '\r' && t[i + 1] === '\n') i++;
        row.push(f); rows.push(row); row = []; f = '';
      } else f += c;
    }
    if (f || row.length) { row.push(f); rows.push(row); }
    return rows;
  }
  function norm(s) { return String(s || '').toLowerCase().replace(/[\s_]/g, ''); }
  function loadRejects(j) {
    var id = j.import_id || j.id;
    fetch('/imports/' + encodeURIComponent(id) + '/rejects', { headers: headers() }).then(function (r) {
      if (!r.ok) throw new ApiError(r.status, null, plain(r.status, null));
      return r.text();
    }).then(function (t) {
      var rows = parseCsv(t), head = rows.shift() || [];
      var cells = head.slice(3);
      /* which table column each cell goes to: the import's mapping, else by name */
      var map = j.mapping || (cells.length ? cells.map(norm) : null);
      if (!map) {
        /* A result read back from the ledger (after a restart) does not say
         * which column each cell went to. */
        clear($('rejects').tHead); clear($('rejects').tBodies[0]);
        $('fix-why').textContent = '';
        $('fix').hidden = true;
        fieldError(null, 'fix-error', 'This import was started before the server restarted, so the page cannot tell which column each cell went to. Download the rejected rows, correct them and import them as a new file.');
        S.rejects = { id: id };
        return;
      }
      $('fix').hidden = false;
      S.rejects = { id: id, cells: cells, map: map, rows: rows.map(function (r) {
        return { row: +r[0], reason: r[1], cells: r.slice(3), orig: r.slice(3), state: '' };
      }) };
      renderRejects();
    }).catch(onApiError);
  }
  function badCell(reason, map) {
    var first = String(reason || '').split(/[\s']/)[0];
    return map.indexOf(first);
  }
  function renderRejects() {
    var R = S.rejects, thead = clear($('rejects').tHead), tbody = clear($('rejects').tBodies[0]);
    var shown = [];
    R.map.forEach(function (m, i) { if (m) shown.push(i); });
    var tr = el('tr', null, el('th', { scope: 'col', class: 'num', text: 'Row' }), el('th', { scope: 'col', text: 'Problem' }));
    shown.forEach(function (i) { tr.appendChild(el('th', { scope: 'col', text: R.map[i] })); });
    thead.appendChild(tr);
    R.rows.forEach(function (r, k) {
      var bad = badCell(r.reason, R.map);
      var row = el('tr', { class: r.state === 'saved' ? 'fixed' : null },
        el('th', { scope: 'row', class: 'num', text: String(r.row) }),
        el('td', { class: r.state === 'saved' ? 'wrap-cell' : 'reason', id: 'why-' + k, text: r.state === 'saved' ? '✓ Saved in import ' + r.savedIn : r.reason }));
      shown.forEach(function (i) {
        var inp = el('input', { type: 'text', value: r.cells[i] || '', 'aria-label': 'Row ' + r.row + ', ' + R.map[i], 'data-r': k, 'data-c': i });
        if (i === bad && r.state !== 'saved') { inp.setAttribute('aria-invalid', 'true'); inp.setAttribute('aria-describedby', 'why-' + k); }
        if (r.state === 'saved') inp.readOnly = true;
        inp.addEventListener('input', onFixInput);
        row.appendChild(el('td', { class: i === bad && r.state !== 'saved' ? 'bad' : null }, inp));
      });
      tbody.appendChild(row);
    });
    $('rejects').parentNode.scrollLeft = 0;
    syncFix();
  }
  function changed() {
    return S.rejects.rows.filter(function (r) { return r.state !== 'saved' && r.cells.some(function (c, i) { return c !== r.orig[i]; }); });
  }
  function syncFix() {
    var c = changed().length, b = $('fix');
    b.textContent = c ? 'Import ' + plural(c, 'fixed row', 'fixed rows') : 'Import fixed rows';
    disable(b, S.fixing ? 'Importing…' : c ? '' : 'Correct a cell in the table to fix its row.', 'fix-why');
  }
  function onFixInput(ev) {
    var r = S.rejects.rows[+ev.target.getAttribute('data-r')];
    r.cells[+ev.target.getAttribute('data-c')] = ev.target.value;
    syncFix();
  }
  $('fix').addEventListener('click', function () {
    if (disabled(this) || S.fixing) return;
    var R = S.rejects, rows = changed(), cols = [];
    R.map.forEach(function (m) { if (m) cols.push(m); });
    var body = { columns: cols, rows: rows.map(function (r) {
      return { row: r.row, cells: R.map.map(function (m, i) { return m ? r.cells[i] : null; }).filter(function (v, i) { return R.map[i]; }) };
    }) };
    S.fixing = true;
    syncFix();
    fieldError(null, 'fix-error', '');
    $('fix-done').hidden = true;
    api('POST', '/imports/' + encodeURIComponent(R.id) + '/fixes', body).then(function (d) {
      var still = {};
      (d.rejects || []).forEach(function (x) { still[x.index] = x.reason; });
      rows.forEach(function (r, k) {
        if (still[k] !== undefined) { r.reason = still[k]; r.orig = r.cells.slice(); } else { r.state = 'saved'; r.savedIn = d.import_id; }
      });
      var ok = d.stats ? d.stats.success_count : 0, bad = d.stats ? d.stats.error_count : 0;
      $('fix-done').textContent = plural(ok, 'fixed row was', 'fixed rows were') + ' imported (import ' + d.import_id + ')' + (bad ? '; ' + plural(bad, 'row still has', 'rows still have') + ' a problem, shown in the table.' : '.');
      $('fix-done').hidden = false;
      say($('fix-done').textContent);
    }).catch(function (e) {
      if (e.status === 409 && e.data && e.data.import_id) {
        rows.forEach(function (r) { r.state = 'saved'; r.savedIn = e.data.import_id; });
        fieldError(null, 'fix-error', 'These rows were already imported (import ' + e.data.import_id + '). Nothing was saved twice.');
      } else if (e.status === 401) onApiError(e);
      else fieldError(null, 'fix-error', e.message);
    }).then(function () { S.fixing = false; renderRejects(); });
  });
  $('download').addEventListener('click', function () {
    var id = S.rejects && S.rejects.id;
    fetch('/imports/' + encodeURIComponent(id) + '/rejects', { headers: headers() }).then(function (r) {
      if (!r.ok) throw new ApiError(r.status, null, plain(r.status, null));
      return r.blob();
    }).then(function (blob) {
      var a = el('a', { href: URL.createObjectURL(blob), download: 'import-' + id + '-rejected-rows.csv' });
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }).catch(onApiError);
  });

  /* ---- 5. history ------------------------------------------------------------- */
  var WORDS = { completed: 'Finished', running: 'Running', failed: 'Failed', cancelled: 'Cancelled', queued: 'Waiting' };
  function renderHistory() {
    noProblem();
    show('s-history');
    api('GET', '/history').then(function (d) {
      var tb = clear($('history').tBodies[0]), list = d.imports || [];
      $('h-empty').hidden = list.length > 0;
      list.forEach(function (x) {
        tb.appendChild(el('tr', null,
          el('th', { scope: 'row' }, el('a', { href: '#/imports/' + x.id, text: 'Import ' + x.id })),
          el('td', { class: 'wrap-cell', text: x.file || '' }),
          el('td', null, el('span', { class: 'status status-' + x.status, text: WORDS[x.status] || x.status })),
          el('td', { class: 'num', text: n(x.success_count) }),
          el('td', { class: 'num', text: n(x.error_count) }),
          el('td', { text: when(x.started_at) })));
      });
    }).catch(onApiError);
  }

  /* ---- routing -------------------------------------------------------------- */
  function route() {
    clearTimeout(S.poll);
    S.at = location.hash;
    var h = location.hash.replace(/^#/, ''), m;
    if (h === '/history') return renderHistory();
    if ((m = /^\/imports\/([\w-]+)$/.exec(h))) return watch(m[1]);
    if ((m = /^\/previews\/([\w-]+)$/.exec(h))) {
      if (S.preview && S.preview.id === m[1]) return renderCheck();
      return api('GET', '/previews/' + m[1]).then(function (p) {
        S.preview = p; S.mapping = p.mapping.slice(); S.checked = p.mapping.slice(); renderCheck();
      }).catch(function (e) {
        if (e.status === 404) { choose(); problem('That preview has expired: uploaded files are kept for a limited time. Choose the file again.'); } else onApiError(e);
      });
    }
    choose();
  }
  function start() {
    api('GET', '/info').then(function (i) {
      S.info = i;
      $('file-hint').textContent = 'Excel (.xlsx, .xls) or CSV (.csv), up to ' + bytes(i.max_upload) + '.';
      route();
    }).catch(function (e) {
      if (e.status === 401) askToken(token() ? plain(401) : '');
      else { show('s-choose'); problem(e.message); }
    });
  }
  function nav() { if (S.info && location.hash !== S.at) route(); }
  window.addEventListener('hashchange', nav);
  window.addEventListener('popstate', nav);
  start();
})();
