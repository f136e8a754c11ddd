// The live dashboard of the local host (GET /dashboard). Reads GET /api/local/dashboard (the pipeline's
// OpenTelemetry instruments, sampled by the host every 2 s) and GET /api/leaderboard with the reader key in the
// x-functions-key header. The key is asked once and kept in sessionStorage (this tab only), never put in a URL.
(() => {
  'use strict';
  const KEY = 'th.functionKey';
  const POLL_MS = 2000;
  const $ = id => document.getElementById(id);
  const charts = {};
  let timer = null;

  const palette = ['#2f6fde', '#e0513a', '#2a9d5b', '#b5179e', '#f4a000', '#5c6bc0', '#00897b', '#8d6e63'];
  const timeLabel = t => new Date(t).toLocaleTimeString([], { hour12: false });

  function lineChart(id, datasets, yTitles) {
    const scales = { x: { ticks: { maxTicksLimit: 6 } }, y: { beginAtZero: true, title: { display: true, text: yTitles[0] } } };
    if (yTitles[1]) scales.y1 = { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: yTitles[1] } };
    charts[id] = new Chart($(id), {
      type: 'line',
      data: { labels: [], datasets: datasets.map((d, i) => ({ label: d.label, yAxisID: d.axis || 'y', data: [], borderColor: palette[i], backgroundColor: palette[i], pointRadius: 0, borderWidth: 2, spanGaps: true })) },
      options: { animation: false, responsive: true, maintainAspectRatio: false, interaction: { mode: 'index', intersect: false }, scales, plugins: { legend: { labels: { boxWidth: 12 } } } },
    });
  }

  function barChart(id, label, color) {
    charts[id] = new Chart($(id), {
      type: 'bar',
      data: { labels: [], datasets: [{ label, data: [], backgroundColor: color }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
    });
  }

  function createCharts() {
    lineChart('chart-rate', [{ label: 'events/s' }], ['events/s']);
    lineChart('chart-freshness', [{ label: 'p50' }, { label: 'p99' }], ['ms']);
    lineChart('chart-cost', [{ label: '$ per million events' }, { label: 'query $ per hour', axis: 'y1' }], ['$ / M events', 'query $ / h']);
    lineChart('chart-per-event', [{ label: 'RU per event' }, { label: 'store writes per event', axis: 'y1' }], ['RU', 'writes']);
    barChart('chart-deadletters', 'dead letters', '#e0513a');
    lineChart('chart-lag', [{ label: 'messages not yet processed (all partitions)' }, { label: 'entity lag p99, ms', axis: 'y1' }], ['messages', 'ms']);
  }

  function setSeries(id, labels, series) {
    const chart = charts[id];
    chart.data.labels = labels;
    series.forEach((values, i) => { chart.data.datasets[i].data = values; });
    chart.update('none');
    const points = series.reduce((n, values) => n + values.filter(v => v !== null && v !== undefined).length, 0);
    chart.canvas.dataset.points = String(points);
  }

  function setBars(id, counts) {
    const keys = Object.keys(counts);
    setSeries(id, keys, [keys.map(k => counts[k])]);
  }

  function fmt(n, digits) { return n === null || n === undefined ? 'n/a' : Number(n).toLocaleString(undefined, { maximumFractionDigits: digits }); }

  function render(d) {
    const s = d.samples;
    const labels = s.map(x => timeLabel(x.t));
    setSeries('chart-rate', labels, [s.map(x => x.eventsPerSecond)]);
    setSeries('chart-freshness', labels, [s.map(x => x.freshnessP50Ms), s.map(x => x.freshnessP99Ms)]);
    setSeries('chart-cost', labels, [s.map(x => x.usdPerMillionEvents), s.map(x => x.queryUsdPerHour)]);
    setSeries('chart-per-event', labels, [s.map(x => x.ruPerEvent), s.map(x => x.storeWritesPerEvent)]);
    setBars('chart-deadletters', d.deadLettersByReason);
    setSeries('chart-lag', labels, [s.map(x => x.backlog), s.map(x => x.entityLagP99Ms)]);
    $('lag-now').textContent = 'now, by partition: ' + (Object.entries(d.backlogByPartition).map(([p, n]) => `${p}: ${fmt(n, 0)}`).join(' · ') || 'no batch yet');
    const t = d.totals;
    $('totals').innerHTML = '';
    for (const [name, value] of [['events', t.events], ['applied', t.applied], ['duplicates', t.duplicates], ['late', t.late],
      ['redelivered', t.redelivered], ['dead-lettered', t.deadLettered], ['parked', t.parked], ['modeled $', fmt(t.usd, 6)]]) {
      const div = document.createElement('div');
      div.innerHTML = '<b></b>';
      div.firstChild.textContent = typeof value === 'number' ? fmt(value, 0) : value;
      div.append(name);
      $('totals').append(div);
    }
  }

  function renderLeaderboard(board) {
    const body = $('leaderboard').tBodies[0];
    body.innerHTML = '';
    board.items.forEach((item, i) => {
      const row = body.insertRow();
      row.dataset.itemId = item.itemId;
      row.insertCell().textContent = String(i + 1);
      row.insertCell().textContent = item.itemId;
      const count = row.insertCell();
      count.className = 'n';
      count.textContent = fmt(item.count, 0);
    });
  }

  async function get(path) {
    const response = await fetch(path, { headers: { 'x-functions-key': sessionStorage.getItem(KEY) || '' }, cache: 'no-store' });
    if (response.status === 401 || response.status === 403) throw Object.assign(new Error('The key was rejected (' + response.status + '): enter the reader key, .th/keys/reader.'), { unauthorized: true });
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return response.json();
  }

  async function poll() {
    try {
      const [snapshot, board] = await Promise.all([
        get('/api/local/dashboard'),
        get(`/api/leaderboard?type=${encodeURIComponent($('type').value)}&window=hour&top=10`),
      ]);
      render(snapshot);
      renderLeaderboard(board);
      $('status').textContent = `live · updated ${new Date().toLocaleTimeString([], { hour12: false })}`;
      document.body.dataset.state = 'live';
    } catch (e) {
      if (e.unauthorized) {
        stop();
        sessionStorage.removeItem(KEY);
        showLogin(e.message);
        return;
      }
      $('status').textContent = `error: ${e.message} (retrying)`;
    }
  }

  function stop() { if (timer) { clearInterval(timer); timer = null; } }

  function showLogin(message) {
    $('board').classList.add('hidden');
    $('login').classList.remove('hidden');
    $('error').textContent = message || '';
    document.body.dataset.state = message ? 'unauthorized' : 'login';
    $('status').textContent = 'not connected';
    $('key').focus();
  }

  function start() {
    $('login').classList.add('hidden');
    $('board').classList.remove('hidden');
    if (!charts['chart-rate']) createCharts();
    poll();
    timer = setInterval(poll, POLL_MS);
  }

  $('login').addEventListener('submit', e => {
    e.preventDefault();
    const key = $('key').value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY, key);
    $('key').value = '';
    start();
  });
  $('type').addEventListener('change', poll);

  if (typeof Chart === 'undefined') {
    document.body.innerHTML = '<p id="error">The chart library is missing: run <code>infra/local/emulators.sh install</code> (npm ci) and reload.</p>';
    return;
  }
  if (sessionStorage.getItem(KEY)) start(); else showLogin();
})();
